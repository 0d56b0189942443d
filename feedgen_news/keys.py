"""Keys: how a value such as a topic is folded for grouping, and the safe, stable slug it gets;
and the facets, the record fields that get one feed per distinct value."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

# Facets, as ``facets`` in the config names them and the cache stores them.
TOPICS = "topics"
CATEGORY = "category"
PROVIDER = "provider"  # keyed by the provider's domain (else its folded name)
TYPE = "type"
FACETS = (TOPICS, CATEGORY, PROVIDER, TYPE)

_MAX_SLUG_BASE = 60
_CLEAN_HOST = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)+")
_HOST_KEY = re.compile(r"[a-z0-9.-]+\.[a-z0-9.-]+")
_CLEAN_KEY = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")
_SEPARATORS = re.compile(r"[\s_\-]+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# Reserved device names on Windows: a folder named like this cannot be copied there.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(10)}


def fold(name: str) -> str:
    """The grouping key: accents, case, and runs of spaces/hyphens/underscores folded away.

    ``Économie``, ``economie`` and ``ECONOMIE`` are one topic; so are ``AWS AI`` and ``aws-ai``.
    """
    if name.isascii():  # NFKD and combining marks cannot change ASCII; casefold is lower
        return _SEPARATORS.sub(" ", name.strip().lower()).strip()
    decomposed = unicodedata.normalize("NFKD", name.strip())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", stripped.casefold()).strip()


@lru_cache(maxsize=4096)  # pages link every entry's topics: the same few names, many times
def slugify(name: str) -> str:
    """A URL- and filesystem-safe slug, ``a-z0-9-``, never empty, stable for a given value.

    A key that maps losslessly to a slug keeps the plain slug (``AWS AI`` -> ``aws-ai``). Any
    other key (``C++``, ``../x``, a 300-character name, ``CON``) gets a short hash of the key
    appended, so two values never share a slug and a slug never depends on what other values
    exist: adding a topic never renames an existing feed's URL.
    """
    key = fold(name)
    base = _base(key)
    if _CLEAN_KEY.fullmatch(key) and len(key) <= _MAX_SLUG_BASE and key not in _RESERVED:
        return base
    return _hashed(base, key)


def provider_slug(key: str) -> str:
    """The slug of a provider keyed by ``key``: a domain (``govtech.com`` -> ``govtech-com``),
    else a folded name, whose slug always carries a hash so it never takes a domain's."""
    if not _HOST_KEY.fullmatch(key):
        return _hashed(_base(key), key)
    plain = key.replace(".", "-")
    # Without hyphens of its own, a host's dots map back from its slug: no two share one.
    if _CLEAN_HOST.fullmatch(key) and len(plain) <= _MAX_SLUG_BASE and plain not in _RESERVED:
        return plain
    return _hashed(_base(key), key)


def _base(key: str) -> str:
    return _NOT_SLUG.sub("-", key).strip("-")[:_MAX_SLUG_BASE].strip("-")


def _hashed(base: str, key: str) -> str:
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=4).hexdigest()
    return f"{base or 'topic'}-{digest}"


def distinct(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` with later spellings of the same key dropped, first spelling kept (stripped)."""
    seen: set[str] = set()
    kept: list[str] = []
    for name in names:
        key = fold(name)
        if key not in seen:
            seen.add(key)
            kept.append(name.strip())
    return tuple(kept)
