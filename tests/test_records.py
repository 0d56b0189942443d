"""Tests for records.py: the real seed, every bad-input fixture's exact message, hostile files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from feedgen_news.config import Site
from feedgen_news.model import Image, Provider, Record, RelatedLink
from feedgen_news.records import parse_record, read_record

ROOT = Path(__file__).parent.parent
SEED = ROOT / "seeds" / "000_1599838c583e8360.txt"
FIXTURES = Path(__file__).parent / "fixtures" / "records"
SITE = Site()

SEED_TITLE = "Massachusetts City Renews Calls for Facial Recognition Ban"
SEED_URL = (
    "https://www.govtech.com/public-safety/"
    "Massachusetts-City-Renews-Calls-for-Facial-Recognition-Ban.html"
)
SEED_RECORD = Record(
    path="000_1599838c583e8360.txt",
    url=SEED_URL,
    title=SEED_TITLE,
    published=datetime(2020, 1, 13, 20, 22, tzinfo=UTC),
    excerpt=(
        "Ramos cites an American Civil Liberties Union of Massachusetts study released earlier"
        " Monday that used photos of Boston Red Sox and Celtics players to demonstrate"
        " limitations of Amazon Rekognition software. The ACLU fed photos of 188 New England"
        " athletes ..."
    ),
    body=None,
    amp_url=SEED_URL + "?AMP",
    amp_cache_url=(
        "https://www-govtech-com.cdn.ampproject.org/c/s/www.govtech.com/public-safety/"
        "Massachusetts-City-Renews-Calls-for-Facial-Recognition-Ban.html?AMP"
    ),
    provider=Provider("Government Technology", "https://govtech.com"),
    topics=("AI", "AWS AI"),
    category="news",
    images=(Image("https://media2.govtech.com/images/facial2.jpg", 940, 630, SEED_TITLE),),
    related=(
        RelatedLink(
            "https://www.masslive.com/news/2020/01/springfield-city-council-moves-to-ban-"
            "facial-recognition-says-systems-are-unproven-inaccurate.html",
            "Springfield City Council moves to ban facial recognition; says systems are"
            " unproven, inaccurate",
            Provider("MassLive", "https://masslive.com"),
            datetime(2020, 1, 14, 1, 27, tzinfo=UTC),
        ),
    ),
    is_published=False,
)


def test_the_real_seed_parses_to_the_exact_record() -> None:
    record, problems = read_record(SEED, SEED.name, SITE)
    assert problems == []
    assert record == SEED_RECORD
    assert record.published.tzinfo is UTC
    for unwanted in ("secured", "quality", "heat", "r1Y+C", "article"):
        assert unwanted not in repr(record)


def test_the_seed_related_excerpt_mojibake_is_repaired_by_ftfy() -> None:
    # The model keeps no related excerpt, so check the repair on a field that is published.
    data = SEED.read_bytes().replace(b"category: news", "category: donâ€™t".encode())
    record, problems = parse_record(data, "seed.txt", SITE)
    assert problems == [] and record is not None
    assert record.category == "don\u2019t"
    raw, _ = parse_record(data, "seed.txt", Site(repair_mojibake=False))
    assert raw is not None and raw.category == "donâ€™t"
