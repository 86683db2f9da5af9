"""Figures, the table they print as, and the section of docs/benchmarks.md they own.

The docs file may hold prose written by people; the suite only rewrites what lies between
its two markers, so a run never clobbers notes kept beside the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

START = "<!-- bench:start: written by `python -m bench`, edits in here are overwritten -->"
END = "<!-- bench:end -->"
NEW_FILE = (
    "# Benchmarks\n\n"
    "`make bench` (or `make bench ARGS=--quick`) measures the event store beside raw psycopg\n"
    "on the same server and rewrites the section below. Notes outside it are kept.\n"
)


@dataclass(frozen=True)
class Measure:
    """One side of a figure: a headline value and what else is worth knowing about it."""

    value: float
    unit: str
    detail: str = ""

    def __str__(self) -> str:
        value = f"{self.value:,.0f}" if self.value >= 100 else f"{self.value:.3g}"
        text = f"{value} {self.unit}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass(frozen=True)
class Goal:
    """The ratio a figure should reach: `at_least` for throughput, `at_most` for growth."""

    at_least: float | None = None
    at_most: float | None = None

    def met(self, ratio: float) -> bool:
        if self.at_least is not None and ratio < self.at_least:
            return False
        return not (self.at_most is not None and ratio > self.at_most)

    def __str__(self) -> str:
        if self.at_least is not None:
            return f">= {self.at_least}x"
        return f"<= {self.at_most}x"


@dataclass(frozen=True)
class Figure:
    """Shop's measure beside its baseline; the ratio is always shop / baseline."""

    name: str
    ours: Measure
    baseline_name: str
    baseline: Measure
    goal: Goal | None = None

    @property
    def ratio(self) -> float:
        return self.ours.value / self.baseline.value

    @property
    def result(self) -> str:
        if self.goal is None:
            return "reported"
        return "PASS" if self.goal.met(self.ratio) else "SHORT"


@dataclass(frozen=True)
class RunInfo:
    """Where and how the figures were taken, so a reader can tell runs apart."""

    date: str
    command: str
    code: str
    nproc: int
    load: str
    postgres: str
    software: str
    sizes: str


HEADER = ("Figure", "Shop", "Raw baseline", "Ratio", "Goal", "Result")


def rows(figures: list[Figure]) -> list[tuple[str, ...]]:
    return [
        (
            figure.name,
            str(figure.ours),
            f"{figure.baseline_name}: {figure.baseline}",
            f"{figure.ratio:.2f}x",
            str(figure.goal) if figure.goal else "-",
            figure.result,
        )
        for figure in figures
    ]


def text_table(figures: list[Figure]) -> str:
    """The table for a terminal: one line per figure, columns padded to line up."""
    table = [HEADER, *rows(figures)]
    widths = [max(len(cell) for cell in column) for column in zip(*table, strict=True)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    rule = tuple("-" * width for width in widths)
    return "\n".join(line(cells).rstrip() for cells in [HEADER, rule, *table[1:]])


def markdown_section(info: RunInfo, figures: list[Figure], notes: list[str]) -> str:
    table = [HEADER, tuple("---" for _ in HEADER), *rows(figures)]
    lines = [
        START,
        "## Latest run",
        "",
        f"- Date: {info.date}",
        f"- Command: `{info.command}`",
        f"- Code: {info.code}",
        f"- Machine: `nproc` = {info.nproc}; {info.load}",
        f"- Server: {info.postgres}",
        f"- Software: {info.software}",
        f"- Sizes: {info.sizes}",
        "",
        *("| " + " | ".join(row) + " |" for row in table),
        "",
        "How each figure is taken:",
        "",
        *(f"- {note}" for note in notes),
        END,
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace the suite's section of `path`, or add it if the file has none yet."""
    text = path.read_text() if path.exists() else NEW_FILE
    start, end = text.find(START), text.find(END)
    if start != -1 and end > start:
        rest = text[end + len(END) :].lstrip("\n")
        text = text[:start] + section + ("\n" + rest if rest else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
