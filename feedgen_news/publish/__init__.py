"""Publish: the only code that writes to the output folder. ``output_lock`` (one build at a
time), ``stage`` (one file to a temporary beside its place, in any process), ``Publication``
(every staged file put in place together, stale files removed, crash-safe), and the
``Manifest`` that tells a build which files are its own.
"""

from .lock import output_lock
from .manifest import Manifest, read_manifest, sha256
from .publication import Publication, PublishReport, write
from .stage import Staged, safe_path, stage

__all__ = [
    "Manifest",
    "Publication",
    "PublishReport",
    "Staged",
    "output_lock",
    "read_manifest",
    "safe_path",
    "sha256",
    "stage",
    "write",
]
