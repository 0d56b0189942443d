"""Validate every rss.xml and atom.xml under an output folder with a local W3C feedvalidator.

The validator is not part of this repo (or its dependencies): get its source (w3c/feedvalidator)
yourself and give its `src` folder. It needs lxml, html5lib and rdflib, ideally in its own venv.

usage: python scripts/validate_feeds.py FEEDVALIDATOR_SRC OUTPUT_DIR BASE_URL
Prints each feed's messages (errors and warnings, as the online service shows them); exits 1 if
any message other than "Unregistered link relationship" (rel="amphtml") was reported.
"""

import io
import sys
from pathlib import Path

src, output, base = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
sys.path.insert(0, src)
import feedvalidator  # noqa: E402
from feedvalidator import compatibility  # noqa: E402
from feedvalidator.formatter.text_plain import Formatter  # noqa: E402

MEDIA = {"rss.xml": "application/rss+xml", "atom.xml": "application/atom+xml"}
bad = 0
for path in sorted(p for p in output.rglob("*.xml") if p.name in MEDIA):
    url = base + path.relative_to(output).as_posix()
    stream = io.BytesIO(path.read_bytes())
    try:
        result = feedvalidator.validateStream(
            stream, contentType=MEDIA[path.name] + "; charset=utf-8", base=url
        )
        events = result["loggedEvents"]
    except feedvalidator.logging.ValidationFailure as failure:
        events = [failure.event]
    events = compatibility.AA(events)  # errors and warnings, like the online service
    lines = Formatter(events)
    print(f"{path}: " + ("valid, no messages" if not lines else f"{len(lines)} message(s)"))
    for line in lines:
        print("   ", line)
        bad += "Unregistered link relationship" not in line
sys.exit(1 if bad else 0)
