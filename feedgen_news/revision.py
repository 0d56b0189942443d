"""The code's revision: a hash of this package's source files, so what is cached from rendered
or parsed output is never reused by different code, even within one version number."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from . import __version__


@cache
def code_revision() -> str:
    """The version and a hash of every module's source (the version alone where the sources
    are not on disk, as in a zipped install)."""
    digest = hashlib.sha256(__version__.encode())
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:16]}"
