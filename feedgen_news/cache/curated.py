"""A curated feed's selector as SQL over the cache: each filter an index lookup in
``entry_facets`` or a comparison on ``entries`` (aliased ``e``), all of them ANDed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..curated import Selector
from ..keys import CATEGORY, PROVIDER, TOPICS, TYPE, fold
from .codec import micros

# Ranked by the signal first; a record without it comes last (SQLite sorts NULL lowest).
_ORDERS = {
    "newest": ("published DESC", "url"),
    "heat": ("heat DESC", "published DESC", "url"),
    "quality": ("quality DESC", "published DESC", "url"),
}


@dataclass(frozen=True, slots=True)
class CuratedQuery:
    where: str  # over entries as `e`; "1" when nothing is filtered
    params: tuple[object, ...]
    order: tuple[str, ...]  # ORDER BY terms, columns of entries

    def order_by(self, table: str) -> str:
        return ", ".join(f"{table}.{term}" for term in self.order)


def curated_query(
    selector: Selector, now: datetime, provider_keys: Sequence[str] = ()
) -> CuratedQuery:
    """The WHERE clause (with its parameters) and ORDER BY of a selector, at the clock ``now``.
    ``provider_keys`` are the keys of the providers ``selector.providers`` names (by domain, or
    by name: see ``Evaluator``)."""
    where: list[str] = []
    params: list[object] = []

    def having(facet: str, values: Sequence[str], *, negate: bool = False) -> None:
        keys = sorted({fold(v) for v in values})
        marks = ",".join("?" * len(keys))
        operator = "NOT IN" if negate else "IN"
        where.append(
            f"e.relpath {operator} "
            f"(SELECT relpath FROM entry_facets WHERE facet = ? AND key IN ({marks}))"
        )
        params.extend((facet, *keys))

    if selector.topics:
        having(TOPICS, selector.topics)
    if selector.exclude_topics:
        having(TOPICS, selector.exclude_topics, negate=True)
    if selector.categories:
        having(CATEGORY, selector.categories)
    if selector.providers:
        having(PROVIDER, (*selector.providers, *provider_keys))
    if selector.types:
        having(TYPE, selector.types)
    if selector.min_quality is not None:
        where.append("e.quality >= ?")
        params.append(selector.min_quality)
    if selector.min_heat is not None:
        where.append("e.heat >= ?")
        params.append(selector.min_heat)
    if selector.max_age_hours is not None:
        try:
            oldest = micros(now - timedelta(hours=selector.max_age_hours))
        except OverflowError:  # longer ago than dates go: every record is young enough
            oldest = None
        if oldest is not None:
            where.append("e.published >= ?")
            params.append(oldest)
    return CuratedQuery(" AND ".join(where) or "1", tuple(params), _ORDERS[selector.order])
