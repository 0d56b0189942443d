"""Entry pieces: a feed file is its frame (everything but the entries) with one piece of bytes
per entry spliced in, and a piece depends only on its record, the settings and where it goes.

So a piece rendered once can be reused byte for byte: by another feed showing the same record
in the same format, or by a later build (``plan`` keeps them in the cache). Renderers ask a
``Pieces`` for each entry's bytes, handing it the function that renders them; ``fresh`` just
renders. Equal input gives equal bytes either way: reuse never changes the output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Pieces(Protocol):
    """The bytes of entry ``position`` of a feed, in the piece kind ``tag``; ``make`` renders
    them when no earlier rendering is known."""

    def __call__(self, tag: str, position: int, make: Callable[[], bytes]) -> bytes: ...


def fresh(tag: str, position: int, make: Callable[[], bytes]) -> bytes:
    """Render every piece (a build without a cache, and tests)."""
    return make()


def splice(frame: bytes, at: bytes, pieces: list[bytes]) -> bytes:
    """``frame`` with ``pieces`` inserted before the last occurrence of ``at`` (the closing
    markup the entries precede). Markup is never inside text, which escapes ``<``."""
    cut = frame.rindex(at)
    return b"".join([frame[:cut], *pieces, frame[cut:]])
