"""The output folder's manifest: which files the last build wrote (each with its sha256) and
its opaque build state. Only files it lists are ever replaced or removed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..layout import MANIFEST_NAME

__all__ = ["Manifest", "manifest_bytes", "read_manifest", "sha256"]


@dataclass(frozen=True, slots=True)
class Manifest:
    """What the last build left in the output folder: file -> sha256, plus opaque build state."""

    files: Mapping[str, str] = field(default_factory=dict)
    state: Mapping[str, str] = field(default_factory=dict)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(root: Path) -> Manifest:
    """The manifest of the last build; an empty one if missing or unreadable (a first build)."""
    try:
        raw = json.loads((root / MANIFEST_NAME).read_bytes())
        files = {str(k): str(v) for k, v in raw["files"].items()}
        state = {str(k): str(v) for k, v in raw.get("state", {}).items()}
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return Manifest()
    return Manifest(files, state)


def manifest_bytes(manifest: Manifest) -> bytes:
    """The manifest file's bytes: sorted, so the same manifest is always the same file."""
    body = {
        "files": dict(sorted(manifest.files.items())),
        "state": dict(sorted(manifest.state.items())),
    }
    return (json.dumps(body, indent=1, ensure_ascii=False) + "\n").encode()
