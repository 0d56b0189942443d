"""Small text rules shared by everything that reads or writes markup: which characters XML cannot
carry, escaping, the fixed English date forms, and the pages' Content-Security-Policy.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from html import escape

# Characters XML 1.0 cannot carry (C0 controls but tab/LF/CR, U+FFFE/U+FFFF, lone surrogates).
# Records are cleaned of them when read; writers strip them again so every renderer stays total,
# since one such character makes lxml refuse a whole feed.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# English month names from a fixed table: strftime("%b") follows the process locale, which
# feedgen changes while it formats RSS dates, so output would differ between runs.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _csp(*sources: str) -> str:
    # Scripts, frames, fonts, fetches and forms are all refused; only the inline style block
    # (and whatever ``sources`` add) may load. base-uri keeps any <base> the page sets.
    directives = ("default-src 'none'", *sources, "style-src 'unsafe-inline'")
    return "; ".join((*directives, "base-uri 'none'", "form-action 'none'"))


# The HTML pages may load images: the records' thumbnails live on other hosts.
PAGE_CSP = _csp("img-src http: https:")
# embed.html runs inside other sites' pages: it may load nothing at all.
EMBED_CSP = _csp()


@lru_cache(maxsize=16384)  # each text is cleaned once per format and page it appears in
def clean(text: str) -> str:
    """``text`` without the characters XML 1.0 (and UTF-8 encoding) cannot carry."""
    return XML_ILLEGAL.sub("", text)


def escape_html(value: str | None) -> str:
    """Cleaned text, safe in element content and in double-quoted attributes (None is "")."""
    return escape(clean(value or ""), quote=True)


def escape_text(value: str) -> str:
    """Cleaned text, safe in element content only (quotes are left as they are)."""
    return escape(clean(value), quote=False)


def iso_time(when: datetime) -> str:
    """The machine form of a UTC time, as in ``<time datetime>``: ``2026-11-28T15:04:05Z``."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def human_date(when: datetime) -> str:
    """The date for people, in any locale: ``28 Nov 2026``."""
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}"
