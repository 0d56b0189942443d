"""Keys: folding values for grouping, and slugs that are safe, distinct and stable."""

from __future__ import annotations

import re

from feedgen_news.keys import fold, slugify

# Topic names that would leave their folder, name a Windows device, collide or say nothing.
UNSAFE_NAMES = [
    "../../x",
    "/etc/passwd",
    "a/b",
    ".",
    "..",
    "CON",
    "",
    "x" * 300,
    "C++",
    "C",
    "C#",
    " ",
]


def test_plain_names_get_plain_slugs() -> None:
    assert slugify("AWS AI") == "aws-ai"
    assert slugify("Économie") == "economie"
    assert slugify("  Machine   Learning ") == "machine-learning"


def test_hostile_names_get_safe_distinct_slugs() -> None:
    slugs = [slugify(name) for name in UNSAFE_NAMES]
    for slug in slugs:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug
        assert slug not in (".", "..") and len(slug) <= 70
    # " " and "" fold to the same key: one topic, one slug; every other name is distinct.
    assert len(set(slugs)) == len(UNSAFE_NAMES) - 1
    assert slugify("C") == "c" and slugify("C++") != slugify("C#") != "c"
    assert slugify("CON") != "con"


def test_folding_joins_case_accents_and_separators() -> None:
    assert fold("AWS-AI") == fold("aws ai") == fold("  AWS__ai ")
    assert fold("Économie") == fold("ECONOMIE") == "economie"
