"""The live pages' script builds what it shows from elements and text, never from markup
with data in it. The browser tests (test_hostile_text.py) show it; this check keeps the
ways to write markup out of the file where no browser runs."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.staticfiles import finders

MARKUP_SINKS = re.compile(r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write")


def test_live_js_writes_no_markup() -> None:
    source = Path(finders.find("sales/live.js")).read_text()

    assert MARKUP_SINKS.findall(source) == []
