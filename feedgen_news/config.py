"""Frozen site settings, read from ``feedgen-news.toml`` and overridden by command-line flags."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError, printable
from .urls import is_http_url

DEFAULT_CONFIG_NAME = "feedgen-news.toml"


@dataclass(frozen=True, slots=True)
class Site:
    """Everything about the published site that does not come from the records."""

    title: str = "feedgen-news"
    description: str = "News feeds by topic"
    language: str = "en"
    author_name: str = "feedgen-news"
    author_email: str | None = None
    base_url: str = "http://localhost:8000/"
    limit: int = 50  # entries per feed; 0 means all
    include_unpublished: bool = False
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

    def __post_init__(self) -> None:
        if not is_http_url(self.base_url):
            raise ConfigError(f"base_url must be an absolute http(s) URL, got {self.base_url!r}")
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")
        if self.hub is not None and not is_http_url(self.hub):
            raise ConfigError(f"hub must be an absolute http(s) URL, got {self.hub!r}")
        if self.limit < 0:
            raise ConfigError(f"limit must be 0 (all) or more, got {self.limit}")
        if self.embed_limit < 0:
            raise ConfigError(f"embed_limit must be 0 (all) or more, got {self.embed_limit}")
        if self.cache_max_age < 0:
            raise ConfigError(f"cache_max_age must be 0 or more, got {self.cache_max_age}")
        if self.max_file_bytes <= 0:
            raise ConfigError(f"max_file_bytes must be positive, got {self.max_file_bytes}")
        if self.date_order is not None and self.date_order not in ("MDY", "DMY"):
            raise ConfigError(f'date_order must be "MDY" or "DMY", got {self.date_order!r}')
        for name in ("max_topics_per_record", "max_feeds"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be 1 or more, got {getattr(self, name)}")

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
    "repair_mojibake": (bool,),
    "max_file_bytes": (int,),
    "hub": (str,),
    "stylesheet": (str,),
    "embed_limit": (int,),
    "cache_max_age": (int,),
    "max_topics_per_record": (int,),
    "max_feeds": (int,),
    "date_order": (str,),
}
assert set(_FIELD_TYPES) == {f.name for f in fields(Site)}


def load_site(config_path: Path | None, **overrides: Any) -> Site:
    """Read the config file (if any) and apply non-None overrides from flags.

    Raises ConfigError naming the file and key on any unknown key or wrong type.
    """
    values: dict[str, Any] = {}
    if config_path is not None:
        shown = printable(str(config_path))
        try:
            with config_path.open("rb") as f:
                raw = tomllib.load(f)
        except FileNotFoundError:
            raise ConfigError(f"{shown}: config file not found") from None
        except OSError as exc:
            raise ConfigError(f"{shown}: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{shown}: {exc}") from None
        for key, value in raw.items():
            name = key.replace("-", "_")
            if name not in _FIELD_TYPES:
                known = ", ".join(sorted(_FIELD_TYPES))
                raise ConfigError(f"{shown}: unknown key {key!r} (known: {known})")
            types = _FIELD_TYPES[name]
            # bool is an int in Python; a TOML `limit = true` is still a mistake.
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                raise ConfigError(f"{shown}: {key} must be {types[0].__name__}, got {value!r}")
            values[name] = value
    values.update({k: v for k, v in overrides.items() if v is not None})
    return replace(Site(), **values) if values else Site()
