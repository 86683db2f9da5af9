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
    "on the same server, then the write and read paths end to end, and rewrites the section\n"
    "below. Notes outside it are kept.\n"
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
class Limit:
    """A bound on one of Shop's own numbers, for goals stated in absolute terms
    (3,000 commands/s, p99 <= 100 ms) rather than as a ratio to a baseline."""

    what: str
    value: float
    bound: float
    unit: str = ""
    at_most: bool = False

    def met(self) -> bool:
        return self.value <= self.bound if self.at_most else self.value >= self.bound

    def __str__(self) -> str:
        bound = f"{self.bound:,.0f}" if self.bound >= 1000 else f"{self.bound:g}"
        return " ".join(
            part for part in (self.what, "<=" if self.at_most else ">=", bound, self.unit) if part
        )


@dataclass(frozen=True)
class Figure:
    """Shop's measure beside its baseline, if it has one; the ratio is shop / baseline.

    The verdict is PASS when the ratio meets `goal` and every one of `limits` holds,
    SHORT when any falls short, and "reported" for a figure with neither.
    """

    name: str
    ours: Measure
    baseline_name: str
    baseline: Measure | None
    goal: Goal | None = None
    limits: tuple[Limit, ...] = ()

    @property
    def ratio(self) -> float | None:
        return None if self.baseline is None else self.ours.value / self.baseline.value

    @property
    def result(self) -> str:
        if self.goal is None and not self.limits:
            return "reported"
        met = all(limit.met() for limit in self.limits)
        if self.goal is not None:
            met = met and self.ratio is not None and self.goal.met(self.ratio)
        return "PASS" if met else "SHORT"

    @property
    def goal_text(self) -> str:
        parts = [str(self.goal)] if self.goal else []
        return ", ".join([*parts, *map(str, self.limits)]) or "-"


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


HEADER = ("Figure", "Shop", "Baseline (same run)", "Ratio", "Goal", "Result")


def rows(figures: list[Figure]) -> list[tuple[str, ...]]:
    return [
        (
            figure.name,
            str(figure.ours),
            f"{figure.baseline_name}: {figure.baseline}" if figure.baseline else "none",
            "-" if figure.ratio is None else f"{figure.ratio:.2f}x",
            figure.goal_text,
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
