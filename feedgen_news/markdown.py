"""Markdown to HTML with cmark-gfm, GitHub's C fork of the CommonMark reference parser: tables,
strikethrough and autolinks, linear time on any input, some 20 us per KB.

Through cmarkgfm's bindings, but not its helpers: they never free the document tree nor the
HTML cmark returns, some 20 KB per body for good (a gigabyte per worker over 100,000 records, and
no end in ``watch``). So this module drives the parser itself and frees both with the library's
own functions, which the compiled module exports but cmarkgfm does not bind.

A leaf: ``bodies`` renders with it and sanitises what it returns.
"""

from __future__ import annotations

import ctypes
from typing import Any, Final

from cmarkgfm import _cmark  # cmarkgfm's cffi module: the parser's functions, unwrapped

__all__ = ["VERSION", "markdown_html"]

_lib: Any = _cmark.lib
_ffi: Any = _cmark.ffi
VERSION: Final[str] = "cmark-gfm " + _ffi.string(_lib.cmark_version_string()).decode()

# UNSAFE: raw HTML and every URL pass, for the sanitiser to judge (cmark's own filter would
# drop all raw HTML, and its tagfilter show <script> as text). A single ~ stays a tilde ("~5%").
_OPTIONS: Final[int] = _lib.CMARK_OPT_UNSAFE | _lib.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE
_lib.cmark_gfm_core_extensions_ensure_registered()
_EXTENSIONS: Final = tuple(
    _lib.cmark_find_syntax_extension(name) for name in (b"table", b"strikethrough", b"autolink")
)
assert _ffi.NULL not in _EXTENSIONS


class _Mem(ctypes.Structure):
    """cmark's ``cmark_mem``: the allocator that made a node tree and its rendered HTML."""

    _fields_ = (
        ("calloc", ctypes.c_void_p),
        ("realloc", ctypes.c_void_p),
        ("free", ctypes.CFUNCTYPE(None, ctypes.c_void_p)),
    )


_library = ctypes.CDLL(_cmark.__file__)  # the module's own copy of cmark, already loaded
_library.cmark_get_default_mem_allocator.restype = ctypes.POINTER(_Mem)
_library.cmark_node_free.argtypes = (ctypes.c_void_p,)
_library.cmark_node_free.restype = None
_node_free = _library.cmark_node_free
# The allocator of every parser cmark_parser_new makes, so of its tree and of cmark_render_html.
_free = _library.cmark_get_default_mem_allocator().contents.free


def _address(pointer: Any) -> int:
    return int(_ffi.cast("uintptr_t", pointer))


def markdown_html(text: str) -> str:
    """``text`` (CommonMark with GFM tables, strikethrough and autolinks) as HTML, raw HTML
    and every link as written: not safe to publish before it is sanitised."""
    data = text.encode("utf-8")
    parser = _lib.cmark_parser_new(_OPTIONS)
    try:
        for extension in _EXTENSIONS:
            _lib.cmark_parser_attach_syntax_extension(parser, extension)
        _lib.cmark_parser_feed(parser, data, len(data))
        root = _lib.cmark_parser_finish(parser)
        try:
            extensions = _lib.cmark_parser_get_syntax_extensions(parser)
            html = _lib.cmark_render_html(root, _OPTIONS, extensions)
            try:
                return str(_ffi.string(html).decode("utf-8"))
            finally:
                _free(_address(html))
        finally:
            _node_free(_address(root))
    finally:
        _lib.cmark_parser_free(parser)
