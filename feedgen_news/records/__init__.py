"""Records: from an input folder's files to frozen ``Record`` values and ``Problem`` values.

One job per module, in the order a file goes through them: ``scan`` (which files are input),
``read`` (a file's bytes, decoded), ``frontmatter`` (the ``---`` fences and the YAML),
``validate`` and ``fields`` (each field checked into a ``Record``), ``values`` and ``dates``
(text, host name and date parsers). Problems name a file by its path relative to the input
folder.
"""

from __future__ import annotations

from .read import (
    Loaded,
    LoadResult,
    load_dir,
    load_record_file,
    parse_file,
    parse_record,
    read_record,
)
from .scan import (
    RECORD_SUFFIXES,
    folders_and_files,
    iter_record_files,
    outside_links_warning,
    scan_record_files,
)

__all__ = [
    "RECORD_SUFFIXES",
    "LoadResult",
    "Loaded",
    "folders_and_files",
    "iter_record_files",
    "load_dir",
    "load_record_file",
    "outside_links_warning",
    "parse_file",
    "parse_record",
    "read_record",
    "scan_record_files",
]
