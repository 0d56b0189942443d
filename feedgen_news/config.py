"""Frozen site settings, read from ``feedgen-news.toml`` and overridden by command-line flags.

One set of rules (``setting_problems``) checks every value, whether it comes from the file, a flag
or a ``Site(...)`` made in code: a bad setting is refused the same way on every path, and all of a
config file's mistakes are reported at once.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .bodies import BODY_FORMATS
from .curated import CuratedFeed, curated_feeds, feed_problems
from .errors import ConfigError, Problem, printable, toml_value
from .keys import CATEGORY, FACETS, TOPICS
from .urls import http_url

DEFAULT_CONFIG_NAME = "feedgen-news.toml"


@dataclass(frozen=True, slots=True)
class Site:
    """Everything about the published site that does not come from the records.

    Raises ConfigError listing every bad value, one ``key: reason`` line each.
    """

    title: str = "feedgen-news"
    description: str = "News feeds by topic"
    language: str = "en"
    author_name: str = "feedgen-news"
    author_email: str | None = None
    base_url: str = "http://localhost:8000/"
    limit: int = 50  # entries per feed; 0 means all
    include_unpublished: bool = False
    include_future: bool = False  # publish scheduled records (dated after the build's clock)
    repair_mojibake: bool = True
    max_file_bytes: int = 1024 * 1024
    hub: str | None = None  # WebSub hub URL
    stylesheet: str | None = None  # optional <?xml-stylesheet?> href for RSS and Atom
    embed_limit: int = 10
    cache_max_age: int = 300  # seconds, for the preview server's Cache-Control
    # One input folder must not be able to flood the output: every entry repeats its topics
    # in each of its topics' feeds, so output would grow with the square of the topic count.
    max_topics_per_record: int = 20
    max_feeds: int = 10_000  # topics (and `all`) x formats, as the build's summary counts them
    # How the site writes dates such as 01/02/2024: "MDY" or "DMY". Unset reads them month
    # first and warns on each record whose date could be read either way.
    date_order: str | None = None
    # The record fields that get one feed per distinct value (keys.FACETS); as Hugo and
    # WordPress, a feed per category by default.
    facets: tuple[str, ...] = (TOPICS, CATEGORY)
    feeds: tuple[CuratedFeed, ...] = ()  # the publisher's own feeds ([[feeds]] tables)
    body_format: str = "auto"  # how a record body is read: auto (by suffix), markdown, text, html
    link_nofollow: bool = False  # rel="nofollow" on the links in record bodies

    def __post_init__(self) -> None:
        problems = setting_problems({f.name: getattr(self, f.name) for f in fields(self)})
        if problems:
            raise ConfigError("\n".join(f"{key}: {reason}" for key, reason in problems))
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")
        # Frozen and hashable, however given: arrays as tuples, tables as CuratedFeed values.
        object.__setattr__(self, "facets", tuple(dict.fromkeys(self.facets)))
        object.__setattr__(self, "feeds", curated_feeds(self.feeds))

    def url(self, relpath: str) -> str:
        """The absolute URL of an output file, from its path relative to the output folder."""
        return self.base_url + relpath


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "title": (str,),
    "description": (str,),
    "language": (str,),
    "author_name": (str,),
    "author_email": (str,),
    "base_url": (str,),
    "limit": (int,),
    "include_unpublished": (bool,),
    "include_future": (bool,),
    "repair_mojibake": (bool,),
    "max_file_bytes": (int,),
    "hub": (str,),
    "stylesheet": (str,),
    "embed_limit": (int,),
    "cache_max_age": (int,),
    "max_topics_per_record": (int,),
    "max_feeds": (int,),
    "date_order": (str,),
    "facets": (tuple, list),
    "feeds": (tuple, list),  # checked by curated.feed_problems
    "body_format": (str,),
    "link_nofollow": (bool,),
}
assert set(_FIELD_TYPES) == {f.name for f in fields(Site)}
_OPTIONAL = frozenset(f.name for f in fields(Site) if f.default is None)  # None: not set
_TYPE_WORDS: dict[type, str] = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    tuple: "an array",
}

# RFC 5646 section 2.1: the syntax of a well-formed tag (not whether its subtags are registered).
# Not langcodes: its tag_is_valid accepts `en_US`, which is no BCP 47 tag. re.ASCII keeps
# IGNORECASE from letting [a-z] match the Kelvin sign or the long s.
_LANGUAGE_TAG = re.compile(
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})"  # language and extlangs
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"  # variants
    r"(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*"  # extensions: a singleton other than x
    r"(?:-x(?:-[a-z0-9]{1,8})+)?"  # private use
    r"|x(?:-[a-z0-9]{1,8})+"  # a private-use tag alone
    # Grandfathered tags that do not fit the syntax above (the regular ones do).
    r"|en-gb-oed|i-(?:ami|bnn|default|enochian|hak|klingon|lux|mingo|navajo|pwn|tao|tay|tsu)"
    r"|sgn-(?:be-fr|be-nl|ch-de)",
    re.IGNORECASE | re.ASCII,
)


def _language_problem(value: str) -> str | None:
    if _LANGUAGE_TAG.fullmatch(value):
        return None
    return f"must be a BCP 47 language tag such as en, en-GB or pt-BR, got {value!r}"


def _email_problem(value: str) -> str | None:
    local, _, domain = value.partition("@")
    plain = value.isprintable() and not any(ch.isspace() for ch in value)
    # parseaddr's round trip refuses a display name, a list and stray <>, which a feed's
    # <email> or JSON Feed's author cannot hold.
    if plain and local and domain and "@" not in domain and parseaddr(value) == ("", value):
        return None
    return f"must be an email address such as news@example.org, got {value!r}"


def _is_http_url(value: str) -> bool:
    return _unpadded(value) and http_url(value) is not None


def _unpadded(value: str) -> bool:
    # http_url strips spaces and allows invisible characters such as U+202E; a setting is
    # written as given, so it must hold neither.
    return value.isprintable() and value == value.strip()


def _http_url_problem(value: str) -> str | None:
    if _is_http_url(value):
        return None
    return f"must be an absolute http(s) URL, got {value!r}"


def _href_problem(value: str) -> str | None:
    if _is_http_url(value) or _is_relative_path(value):
        return None
    return f"must be an absolute http(s) URL or a relative path, got {value!r}"


def _is_relative_path(value: str) -> bool:
    """A path relative to the feed: no scheme (``javascript:``, ``data:``) and no host of its
    own (``//host/x``, and ``///host/x``, which browsers read so)."""
    if not value or not _unpadded(value) or value.startswith("//"):
        return False
    try:
        scheme = urlsplit(value).scheme
    except ValueError:
        return False
    # Below an http base it must still make an http URL: the characters a URL may hold are
    # the ones urls.py allows, asked of its one definition.
    return not scheme and http_url("http://h/" + value) is not None


def _facets_problem(value: tuple[Any, ...] | list[Any]) -> str | None:
    for item in value:
        if item not in FACETS:
            words = f"{', '.join(FACETS[:-1])} or {FACETS[-1]}"
            return f"must hold only {words}, got {toml_value(item)}"
    return None


def _at_least(least: int, what: str) -> Callable[[int], str | None]:
    return lambda value: None if value >= least else f"must be {what}, got {value}"


# The rule for each value of the right type: the reason it is refused, or None.
_RULES: dict[str, Callable[[Any], str | None]] = {
    "language": _language_problem,
    "author_email": _email_problem,
    "base_url": _http_url_problem,
    "limit": _at_least(0, "0 (all) or more"),
    "max_file_bytes": _at_least(1, "positive"),
    "hub": _http_url_problem,
    "stylesheet": _href_problem,
    "embed_limit": _at_least(0, "0 (all) or more"),
    "cache_max_age": _at_least(0, "0 or more"),
    "max_topics_per_record": _at_least(1, "1 or more"),
    "max_feeds": _at_least(1, "1 or more"),
    "date_order": lambda value: (
        None if value in ("MDY", "DMY") else f'must be "MDY" or "DMY", got {value!r}'
    ),
    "facets": _facets_problem,
    "body_format": lambda value: (
        None if value in BODY_FORMATS else f"must be {', '.join(BODY_FORMATS)}, got {value!r}"
    ),
}
assert set(_RULES) <= set(_FIELD_TYPES)


def setting_problems(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(key, reason)`` for every value ``Site`` refuses (a wrong type or a wrong value), in
    the order given. Every key must be a ``Site`` field; a mistake inside the ``feeds`` tables
    is keyed ``feeds[i].name``."""
    problems = []
    for name, value in values.items():
        if value is None and name in _OPTIONAL:
            continue
        if name == "feeds":
            problems += feed_problems(value)
            continue
        types = _FIELD_TYPES[name]
        # bool is an int in Python; a TOML `limit = true` is still a mistake.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            problems.append((name, f"must be {_TYPE_WORDS[types[0]]}, got {toml_value(value)}"))
            continue
        rule = _RULES.get(name)
        reason = rule(value) if rule else None
        if reason:
            problems.append((name, reason))
    return problems


def load_site(config_path: Path | None, **overrides: Any) -> Site:
    """Read the config file (if any) and apply non-None overrides from flags.

    Raises ConfigError listing every problem at once, one line each: the file and key (an
    unknown key, a wrong type or value), or the flag (``--base-url``) for an override.
    """
    problems: list[str] = []
    values: dict[str, Any] = {}
    if config_path is not None:
        path = str(config_path)
        spelled: dict[str, str] = {}  # field -> the key that set it (`base-url` or `base_url`)
        for key, value in _read(config_path).items():
            name = key.replace("-", "_")
            if name not in _FIELD_TYPES:
                problems.append(str(Problem(path, _unknown_key(name), field=key)))
                continue
            if name in spelled:
                reason = f"given twice, as {printable(spelled[name])} and {printable(key)}"
                problems.append(str(Problem(path, reason, field=name)))
                continue
            spelled[name] = key
            found = setting_problems({name: value})
            # A feed's key is named below the file's spelling: feeds[1].order.
            problems += [
                str(Problem(path, reason, field=key + where[len(name) :]))
                for where, reason in found
            ]
            values[name] = value
    for name, value in overrides.items():
        if name not in _FIELD_TYPES:
            raise TypeError(f"load_site() got an unexpected keyword argument {name!r}")
        if value is not None:
            flag = "--" + name.replace("_", "-")
            problems += [f"{flag}: {reason}" for _, reason in setting_problems({name: value})]
            values[name] = value
    if problems:
        raise ConfigError("\n".join(problems))
    return Site(**values)


def _read(config_path: Path) -> dict[str, Any]:
    shown = printable(str(config_path))
    try:
        with config_path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{shown}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: {exc}") from None


def _unknown_key(name: str) -> str:
    close = difflib.get_close_matches(name, _FIELD_TYPES, n=1, cutoff=0.7)
    if close:
        return f"unknown key; did you mean {close[0]}?"
    return f"unknown key (known: {', '.join(sorted(_FIELD_TYPES))})"
