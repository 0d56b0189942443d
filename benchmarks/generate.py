"""Generate N realistic news records in the seed's shape, deterministically, for benchmarks.

``python -m benchmarks.generate OUT N [--seed S] [--bodies SHARE]`` writes OUT/<a>/<b>/<id>.txt,
about 1000 files per folder; a SHARE of them (half by default) carry a 1-5 KB Markdown body and are
named <id>.md. The same N, seed and share always give byte-identical files, and the front matter
does not depend on the share: ``--bodies 0`` is the same records without their bodies. ``mutate``
then changes, adds and deletes a few of them, for the "a few records changed" rebuild.
"""

# ruff: noqa: RUF001 - the curly quotes and dashes in the word lists are the test data.
from __future__ import annotations

import argparse
import base64
import math
import os
import random
import re
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path

from .markdown_body import markdown_body

# Bump when the output of `generate` changes, so cached benchmark data is regenerated.
# 2: categories (10, skewed), providers (500, Zipf), quality and heat drawn as a newsroom's are.
# 3: half the records carry a Markdown body (benchmarks/markdown_body.py), as .md files.
GENERATOR_VERSION = 3
BODY_SHARE = 0.5

FILES_PER_FOLDER = 1000
START = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp())
SPAN = 2 * 365 * 24 * 3600  # dates are spread over about two years
END = START + SPAN

# 200 topic names, most common first (they are drawn Zipf-distributed by rank). Distinct even
# after folding case and accents, so every name is its own feed.
TOPICS: tuple[str, ...] = (
    "AI", "Politics", "Business", "Technology", "World News", "Climate Change", "Sports",
    "Machine Learning", "Health", "Economy", "AWS AI", "Elections", "Science", "Europe",
    "Stock Markets", "Cybersecurity", "Football", "Startups", "Energy", "Künstliche Intelligenz",
    "Économie", "Education", "Space Exploration", "Electric Vehicles", "Real Estate", "Movies",
    "Music", "Travel", "Crypto", "Public Safety", "Facial Recognition", "Data Privacy",
    "Cloud Computing", "Smartphones", "iPhone", "Android", "Social Media", "Banking", "Inflation",
    "Supreme Court", "Immigration", "Healthcare Policy", "Mental Health", "Vaccines", "COVID-19",
    "Renewable Energy", "Oil and Gas", "Agriculture", "Food and Drink", "Fashion", "Gaming",
    "Esports", "Basketball", "Tennis", "Formula 1", "Olympics", "Cricket", "Rugby", "Baseball",
    "Ice Hockey", "Golf", "Cycling", "Athletics", "Chess", "Art and Design", "Architecture",
    "Books", "Television", "Streaming", "Podcasts", "Theatre", "Photography", "Open Source",
    "Linux", "Python", "JavaScript", "Rust Language", "Semiconductors", "Quantum Computing",
    "Robotics", "Drones", "Autonomous Cars", "5G Networks", "Telecom", "Internet of Things",
    "Wearables", "Virtual Reality", "Augmented Reality", "Big Tech", "Antitrust", "Regulation",
    "Trade Policy", "Tariffs", "Supply Chain", "Shipping", "Aviation", "Railways",
    "Public Transport", "Urban Planning", "Housing", "Labour Market", "Unions", "Retail",
    "E-Commerce", "Advertising",
    "Media Industry", "Journalism", "Press Freedom", "Human Rights", "Refugees", "Diplomacy",
    "United Nations", "NATO", "Middle East", "Africa", "Latin America", "Asia Pacific", "China",
    "India", "日本", "São Paulo", "Zürich", "Île-de-France", "Deutschland", "España",
    "Médecine", "Santé Publique", "Gesundheit", "Wirtschaftspolitik", "Umweltschutz",
    "Cambio Climático", "Educación", "Tecnología", "Política Exterior", "Cultura Pop",
    "Biodiversity", "Oceans", "Wildlife", "Forests", "Water Supply", "Air Quality", "Wildfires",
    "Floods", "Earthquakes", "Hurricanes", "Weather", "Astronomy", "Physics", "Chemistry",
    "Biology", "Genetics", "Neuroscience", "Archaeology", "History", "Philosophy", "Religion",
    "Law and Justice", "Crime", "Policing", "Prisons", "Courts", "Local Government",
    "City Council", "State Politics", "Congress", "Parliament", "Brexit", "European Union",
    "Taxes", "Budget", "Pensions", "Personal Finance", "Insurance", "Venture Capital",
    "Mergers and Acquisitions", "IPOs", "Earnings", "Central Banks", "Interest Rates",
    "Currency Markets", "Commodities", "Gold", "Mining", "Steel", "Automotive Industry",
    "Luxury Goods", "Hospitality", "Tourism", "Restaurants", "Nutrition", "Fitness",
    "Disability Rights", "Gender Equality", "LGBTQ+ Rights", "Race and Equity", "Obituaries",
    "Opinion", "Deep Learning", "Large Language Models", "Computer Vision",
)  # fmt: skip
assert len(TOPICS) == 200

# Words for titles and excerpts: mostly plain English, with accents, curly quotes, an ASCII
# double quote, emoji, CJK and the seed's mojibake ("donâ€™t") mixed in at realistic rates.
_WORDS = (  # noqa: SIM905 - one string reads better than 120 quoted words
    "the a of to in and for on with at by from new city council report study data police "
    "company market government plan says could will after over more than first year week "
    "officials announced Monday Tuesday Wednesday Thursday Friday record growth rise fall "
    "cuts deal talks vote law court ban calls renews launches warns faces amid despite "
    "million billion percent experts researchers residents leaders workers students users "
    "system software network platform service program project policy budget election "
    "climate energy health school hospital airport bridge river coast region state country "
    "global local national public private digital smart open secure fast early late major "
    "key latest former chief executive minister president mayor judge team fans season"
).split()
_SPICE = (
    "café", "naïve", "résumé", "Zürich", "São", "Málaga", "Kraków", "Ærø", "façade",
    "“landmark”", "‘quietly’", "it’s", "don’t", "—", "–", "…", "€5bn", "£2m", "¥300",
    "🚀", "📈", "⚽", "🌍", "東京", "数据", "北京", "서울", "データ", "Москва", "Αθήνα",
    'said "no"', "donâ€™t", "Ã©tÃ©",
)  # fmt: skip
_PATH_WORDS = (  # noqa: SIM905 - one string reads better than 120 quoted words
    "news world business tech city council report study data market policy climate energy "
    "health school sports science economy elections security cloud mobile ai"
).split()
_HOSTS = (
    "www.example.com", "news.example.org", "example.net", "www.example.org", "blog.example.com",
    "local.example.net", "media.example.org", "daily.example.com", "tech.example.net",
    "press.example.org",
)  # fmt: skip
_NAMED_PROVIDERS = (
    ("The Example Times", "example.com"), ("Example News Network", "news.example.org"),
    ("Government Example", "example.net"), ("MassExample", "www.example.org"),
    ("Example Tech Blog", "blog.example.com"), ("Local Example", "local.example.net"),
    ("Example Media", "media.example.org"), ("The Daily Example", "daily.example.com"),
    ("Tech Example", "tech.example.net"), ("Example Press", "press.example.org"),
    ("Le Monde d’Exemple", "fr.example.org"), ("Beispiel Zeitung", "de.example.net"),
    ("El Ejemplo Diario", "es.example.com"), ("示例新闻", "cn.example.org"),
    ("Exämple Wöchentlich", "woche.example.net"),
)  # fmt: skip
_MASTHEAD_PLACES = (
    "Daily", "Morning", "Evening", "Weekly", "City", "Metro", "National", "Global", "Local",
    "Valley", "Coastal", "Northern", "Southern", "Eastern", "Western", "Capital", "Harbor",
    "Mountain", "River", "Lake",
)  # fmt: skip
_MASTHEAD_NAMES = (
    "Times", "Post", "Herald", "Tribune", "Gazette", "Journal", "Chronicle", "Observer", "Record",
    "Courier", "Ledger", "Dispatch", "Register", "Sentinel", "Standard", "Review", "Examiner",
    "Monitor", "Bulletin", "Wire", "Press", "News", "Star", "Sun", "Mirror",
)  # fmt: skip


def _providers(n: int) -> tuple[tuple[str, str], ...]:
    """``n`` providers (name, domain), most common first: the named ones, then mastheads."""
    made = [
        (f"The {place} {name}", f"{place}{name}.example.{('com', 'org', 'net')[i % 3]}".lower())
        for i, (name, place) in enumerate(
            (name, place) for name in _MASTHEAD_NAMES for place in _MASTHEAD_PLACES
        )
    ]
    return (_NAMED_PROVIDERS + tuple(made))[:n]


# 500 providers drawn Zipf-distributed by rank: a few wires publish most stories.
_PROVIDERS = _providers(500)
assert len({domain for _, domain in _PROVIDERS}) == 500
_PROVIDER_CUM = tuple(accumulate(1.0 / rank for rank in range(1, len(_PROVIDERS) + 1)))
_IMAGE_HOSTS = ("media.example.com", "img.example.org", "cdn.example.net")
_IMAGE_EXTS = (".jpg", ".jpg", ".jpg", ".png", ".webp", ".jpeg")
# Ten sections, skewed: most stories are news.
CATEGORIES = (
    "news", "business", "technology", "politics", "sports", "opinion", "science", "health",
    "entertainment", "travel",
)  # fmt: skip
_CATEGORY_CUM = tuple(accumulate(1.0 / rank**1.3 for rank in range(1, len(CATEGORIES) + 1)))
_TYPES = ("article", "article", "article", "article", "article", "video", "blog")
_ZIPF_CUM = tuple(accumulate(1.0 / rank for rank in range(1, len(TOPICS) + 1)))


def _quote(text: str) -> str:
    """A YAML double-quoted scalar: the only characters to escape are backslash and quote."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sentence(rng: random.Random, k: int) -> str:
    words = rng.choices(_WORDS, k=k)
    # About one word in twelve is "spice": non-ASCII, punctuation, emoji or mojibake.
    for _ in range(k // 12 + (rng.random() < 0.5)):
        words[rng.randrange(k)] = rng.choice(_SPICE)
    return " ".join(words)


def _title(rng: random.Random) -> str:
    text = _sentence(rng, rng.randint(6, 13))
    return text[:1].upper() + text[1:]


def _excerpt(rng: random.Random) -> str:
    text = _sentence(rng, rng.randint(35, 70))
    return text[:1].upper() + text[1:] + " ..."


def _urls(rng: random.Random, record_id: str) -> tuple[str, str, str]:
    host = rng.choice(_HOSTS)
    path = f"{rng.choice(_PATH_WORDS)}/{'-'.join(rng.choices(_PATH_WORDS, k=5))}-{record_id}.html"
    source = f"https://{host}/{path}"
    amp = source + "?outputType=amp"
    cdn = f"https://{host.replace('.', '-')}.cdn.example.net/c/s/{host}/{path}?outputType=amp"
    return source, amp, cdn


def _stamp(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _image_lines(rng: random.Random, indent: str, with_title: str | None) -> list[str]:
    url = (
        f"https://{rng.choice(_IMAGE_HOSTS)}/images/{rng.getrandbits(40):010x}"
        f"{rng.choice(_IMAGE_EXTS)}"
    )
    lines = [
        f"{indent}- url: {url}",
        f"{indent}  width: {rng.randrange(320, 2400)}",
        f"{indent}  height: {rng.randrange(240, 1600)}",
    ]
    if with_title is not None:
        lines.append(f"{indent}  title: {_quote(with_title)}")
    return lines


def _related_lines(rng: random.Random, ts: int) -> list[str]:
    source, amp, cdn = _urls(rng, f"{rng.getrandbits(64):016x}")
    name, domain = rng.choice(_PROVIDERS)
    lines = [
        f"  - title: {_quote(_title(rng))}",
        f"    excerpt: {_quote(_excerpt(rng))}",
        f"    publishedDateTime: {_stamp(ts + rng.randrange(-86400, 86400))}",
        f"    sourceUrl: {source}",
        f"    ampUrl: {amp}",
        f"    cdnAmpUrl: {cdn}",
        f"    type: {rng.choice(_TYPES)}",
        "    provider:",
        f"      name: {_quote(name)}",
        f"      domain: {domain}",
        f"    quality: {rng.randrange(0, 100)}",
    ]
    if rng.random() < 0.6:
        lines.append("    images:")
        lines += _image_lines(rng, "      ", None)
    return lines


def _secured(rng: random.Random) -> str:
    blob = base64.b64encode(rng.randbytes(rng.randrange(150, 200))).decode()
    return f"{blob};{base64.b64encode(rng.randbytes(16)).decode()}"


def record_file(
    rng: random.Random, record_id: str, ts: int, body_share: float = BODY_SHARE
) -> tuple[str, str]:
    """One record file's suffix and text: ``record_text``, plus a Markdown body (a ``.md``
    file) for a ``body_share`` of the records. The body is drawn from a random stream of its
    own, seeded by the record's id: the front matter is the same whatever the share."""
    text = record_text(rng, record_id, ts)
    body_rng = random.Random(f"body-{record_id}")  # noqa: S311 - as in generate
    if body_rng.random() >= body_share:
        return ".txt", text
    return ".md", text + markdown_body(body_rng, _sentence)


def record_text(rng: random.Random, record_id: str, ts: int) -> str:
    """One record file in the seed's exact layout, published at unix time ``ts``."""
    title = _title(rng)
    source, amp, cdn = _urls(rng, record_id)
    name, domain = rng.choices(_PROVIDERS, cum_weights=_PROVIDER_CUM)[0]
    # Quality is a score around the middle; heat is how much a story is read and shared:
    # mostly cold, a few very hot (a long tail).
    quality = min(100, max(0, round(rng.gauss(55, 18))))
    heat = min(100, int(rng.paretovariate(1.2) * 4) - 4)
    lines = [
        "---",
        f"category: {rng.choices(CATEGORIES, cum_weights=_CATEGORY_CUM)[0]}",
        f"title: {_quote(title)}",
        f"excerpt: {_quote(_excerpt(rng))}",
        f"publishedDateTime: {_stamp(ts)}",
        f"sourceUrl: {source}",
        f"ampUrl: {amp}",
        f"cdnAmpUrl: {cdn}",
        f"type: {rng.choice(_TYPES)}",
        f"quality: {quality}",
        f"heat: {heat}",
        f"published: {'false' if rng.random() < 0.1 else 'true'}",
        "",
        "provider:",
        f"  name: {_quote(name)}",
        f"  domain: {domain}",
    ]
    n_topics = rng.choices((0, 1, 2, 3), cum_weights=(5, 40, 75, 100))[0]
    topics: list[str] = []
    while len(topics) < n_topics:
        topic = rng.choices(TOPICS, cum_weights=_ZIPF_CUM)[0]
        if topic not in topics:
            topics.append(topic)
    if topics:
        lines += ["", "topics:", *(f"  - {_quote(t)}" for t in topics)]
    n_images = rng.choices((0, 1, 2), cum_weights=(25, 85, 100))[0]
    if n_images:
        lines += ["", "images:"]
        for _ in range(n_images):
            lines += _image_lines(rng, "  ", title)
    n_related = rng.choices((0, 1, 2, 3), cum_weights=(30, 65, 90, 100))[0]
    if n_related:
        lines += ["", "related:"]
        for _ in range(n_related):
            lines += _related_lines(rng, ts)
    lines += ["", f"secured: {_quote(_secured(rng))}", "---", "", ""]  # the seed ends so
    return "\n".join(lines)


def _folders(n: int) -> list[str]:
    """Two-level folders, about FILES_PER_FOLDER files each: "00/00", "00/01", ..."""
    count = max(1, math.ceil(n / FILES_PER_FOLDER))
    fanout = math.ceil(math.sqrt(count))
    return [f"{i // fanout:02x}/{i % fanout:02x}" for i in range(count)]


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def generate(out_dir: Path, n: int, seed: int = 0, body_share: float = BODY_SHARE) -> None:
    """Write ``n`` record files under ``out_dir`` (created if needed; existing files are kept),
    a ``body_share`` of them with a Markdown body."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    folders = _folders(n)
    for folder in folders:
        (out_dir / folder).mkdir(parents=True, exist_ok=True)
    # Distinct timestamps spread evenly over SPAN, shuffled so that file order says nothing
    # about date order.
    step = max(1, SPAN // max(n, 1))
    stamps = [START + i * step + rng.randrange(step) for i in range(n)]
    rng.shuffle(stamps)
    for i, ts in enumerate(stamps):
        record_id = f"{rng.getrandbits(64):016x}"
        folder = folders[int(record_id, 16) % len(folders)]
        suffix, text = record_file(rng, record_id, ts, body_share)
        _write(out_dir / folder / f"{i:07d}_{record_id}{suffix}", text)


_TITLE_LINE = re.compile(r"^title: .*$", re.MULTILINE)
_DATE_LINE = re.compile(r"^publishedDateTime: .*$", re.MULTILINE)


def _replace(path: Path, text: str) -> None:
    """Write a new file and rename it over ``path``: never writes into the old inode, so a
    hard-linked pristine copy of the data set stays untouched."""
    tmp = path.with_name(path.name + ".tmp")
    _write(tmp, text)
    tmp.replace(path)


def record_files(root: Path) -> list[Path]:
    """Every ``*.txt`` and ``*.md`` file under ``root``, in a stable order."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        found += (
            Path(dirpath) / name for name in sorted(filenames) if name.endswith((".txt", ".md"))
        )
    return found


def mutate(out_dir: Path, n_changed: int, seed: int = 1) -> tuple[int, int, int]:
    """Change a third of ``n_changed`` files (new title, newer date), add a third and delete
    the rest. Returns (changed, added, deleted). Deterministic for a given tree and seed."""
    rng = random.Random(f"mutate-{seed}")  # noqa: S311 - as above
    files = record_files(out_dir)
    n_mod = n_changed // 3
    n_add = n_changed // 3
    n_del = min(n_changed - n_mod - n_add, max(0, len(files) - n_mod))
    picked = rng.sample(files, n_mod + n_del)
    # New dates lie after every generated date, distinct across seeds and within a run.
    next_ts = END + (seed % 1000) * 86400
    for path in picked[:n_mod]:
        next_ts += 60
        text = path.read_text(encoding="utf-8")
        text = _TITLE_LINE.sub(lambda _: f"title: {_quote('Updated: ' + _title(rng))}", text, 1)
        text = _DATE_LINE.sub(f"publishedDateTime: {_stamp(next_ts)}", text, 1)
        _replace(path, text)
    for path in picked[n_mod:]:
        path.unlink()
    folders = sorted({p.parent for p in files}) or [out_dir]
    for j in range(n_add):
        next_ts += 60
        record_id = f"{rng.getrandbits(64):016x}"
        folder = rng.choice(folders)
        suffix, text = record_file(rng, record_id, next_ts)
        _write(folder / f"m{seed:03d}{j:04d}_{record_id}{suffix}", text)
    return n_mod, n_add, n_del


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("out", type=Path, help="folder to write the records into")
    parser.add_argument("n", type=int, help="number of records")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--bodies", type=float, default=BODY_SHARE, help="share of records with a Markdown body"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    generate(args.out, args.n, args.seed, args.bodies)
    print(f"wrote {args.n} records to {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
