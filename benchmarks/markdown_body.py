"""A news story's body as a newsroom's CMS exports it in Markdown, 1-5 KB, for the benchmark.

Paragraphs with emphasis and inline links (now and then a relative link or a bare URL),
subheadings, bulleted and numbered lists, a quote, and in about one story in ten a table or a
fenced code block. Drawn from the caller's ``random.Random``, so it is as deterministic as the
rest of the generator; the words come from the caller's ``sentence`` (the generator's own, with
its accents, emoji and mojibake).
"""

from __future__ import annotations

import random
from collections.abc import Callable

__all__ = ["MAX_BYTES", "MIN_BYTES", "markdown_body"]

MIN_BYTES = 1000
MAX_BYTES = 5000
Sentence = Callable[[random.Random, int], str]

_LINK_HOSTS = ("www.example.com", "news.example.org", "data.example.net", "gov.example.org")
_LINK_PATHS = ("report", "study", "statement", "data", "press", "budget", "minutes", "docs")
_CODE = (
    ("python", ['import feedparser', 'feed = feedparser.parse("https://example.org/rss.xml")',
                'for entry in feed.entries[:5]:', '    print(entry.title, entry.link)']),
    ("bash", ["curl -s https://api.example.org/v2/status | jq '.services[] | select(.down)'",
              "systemctl restart example-gateway"]),
    ("json", ['{', '  "status": "degraded",', '  "regions": ["eu-west", "us-east"],',
              '  "updated": "2026-11-30T08:15:00Z"', '}']),
)  # fmt: skip


def markdown_body(rng: random.Random, sentence: Sentence) -> str:
    """One body of about MIN_BYTES to MAX_BYTES of UTF-8, most near 2-3 KB."""
    target = MIN_BYTES + int((MAX_BYTES - MIN_BYTES - 600) * rng.random() ** 1.5)
    blocks = [_paragraph(rng, sentence)]
    extras = []
    if rng.random() < 0.1:
        extras.append(_table(rng, sentence))
    if rng.random() < 0.1:
        extras.append(_code(rng))
    size = len(blocks[0].encode()) + sum(len(e.encode()) for e in extras)
    while size < target:
        pick = rng.random()
        if pick < 0.12 and not blocks[-1].startswith("#"):
            block = "## " + _capital(sentence(rng, rng.randint(3, 7)))
        elif pick < 0.24:
            block = _list(rng, sentence, ordered=rng.random() < 0.3)
        elif pick < 0.28:
            block = "> " + _capital(sentence(rng, rng.randint(12, 30))) + "."
        else:
            block = _paragraph(rng, sentence)
        blocks.append(block)
        size += len(block.encode()) + 2
    for extra in extras:  # somewhere in the story, never first
        blocks.insert(rng.randint(1, len(blocks)), extra)
    return "\n\n".join(blocks) + "\n"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _url(rng: random.Random) -> str:
    path = f"{rng.choice(_LINK_PATHS)}/{rng.getrandbits(24):06x}"
    if rng.random() < 0.1:
        return f"/{path}.html"  # relative: resolved against the record's sourceUrl
    return f"https://{rng.choice(_LINK_HOSTS)}/{path}"


def _phrase(rng: random.Random, sentence: Sentence) -> str:
    """A sentence, sometimes with emphasis, a strong phrase or an inline link in it."""
    words = sentence(rng, rng.randint(8, 24)).split(" ")
    pick = rng.random()
    if pick < 0.5 and len(words) > 4:
        i = rng.randrange(len(words) - 3)
        k = rng.randint(1, 3)
        inner = " ".join(words[i : i + k])
        if pick < 0.25:
            words[i : i + k] = [f"[{inner}]({_url(rng)})"]
        elif pick < 0.4:
            words[i : i + k] = [f"*{inner}*"]
        else:
            words[i : i + k] = [f"**{inner}**"]
    return _capital(" ".join(words)) + rng.choice((".", ".", ".", "!", "?"))


def _paragraph(rng: random.Random, sentence: Sentence) -> str:
    text = " ".join(_phrase(rng, sentence) for _ in range(rng.randint(2, 5)))
    if rng.random() < 0.08:
        text += f" More at https://{rng.choice(_LINK_HOSTS)}/{rng.choice(_LINK_PATHS)}."
    return text


def _list(rng: random.Random, sentence: Sentence, ordered: bool) -> str:
    items = []
    for n in range(1, rng.randint(3, 6) + 1):
        marker = f"{n}." if ordered else "-"
        items.append(f"{marker} {_phrase(rng, sentence)}")
    return "\n".join(items)


def _table(rng: random.Random, sentence: Sentence) -> str:
    head = [_capital(sentence(rng, 1)) for _ in range(rng.randint(2, 4))]
    rows = [f"| {' | '.join(head)} |", "|" + "---|" * len(head)]
    for _ in range(rng.randint(2, 6)):
        cells = [sentence(rng, 2), *(f"{rng.uniform(0, 1000):.1f}" for _ in head[1:])]
        rows.append(f"| {' | '.join(cells)} |")
    return "\n".join(rows)


def _code(rng: random.Random) -> str:
    lang, lines = rng.choice(_CODE)
    return f"```{lang}\n" + "\n".join(lines) + "\n```"
