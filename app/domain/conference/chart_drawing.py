"""Where each mark of the editors' charts is drawn, worked out once in Python.

The home page draws three charts for each of its conferences; done in the
template, every bar and step cost a handful of Jinja calls and filters.
Here the positions come out as the strings the SVG writes (one decimal),
and ``templates/main/_charts.html`` only puts them in place. Every size
of the drawings lives here, in the units of their ``viewBox``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.domain.conference.charts import ConferenceCharts, DayPoint, KeyTaskBar

#: The width of a chart; the key tasks' chart runs across two.
WIDTH = 480
KEY_TASKS_WIDTH = 2 * WIDTH
#: One key task's band: its title above, its bar below.
KEY_TASK_ROW = 44
#: Room after the longest key task's bar for its total.
KEY_TASK_ROOM = 40
#: A bureaus' run narrower than this has no room for its count inside.
COUNT_INSIDE = 24
#: The frame of the submissions over time.
HEIGHT = 200
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 16, 28
BASE = HEIGHT - BOTTOM


def _f(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True)
class Run:
    """One status's run of a stacked bar: where it starts, how wide, and its count."""

    status: str
    count: int
    x: str
    width: str
    middle: str | None = None  # where the count is written inside the run, if it fits


def _runs(counts: dict[str, int], order: tuple[str, ...], whole: int, span: int, *,
          inside: bool = False) -> tuple[list[Run], float]:
    """The runs of the non-empty statuses, left to right (``whole`` spans ``span``), and where they end."""
    runs, x = [], 0.0
    for status in order:
        count = counts[status]
        if not count:
            continue
        width = count / whole * span
        middle = _f(x + width / 2) if inside and width >= COUNT_INSIDE else None
        runs.append(Run(status, count, _f(x), _f(width), middle))
        x += width
    return runs, x


def bureau_runs(charts: ConferenceCharts) -> list[Run]:
    """The bureaus' single bar: invitations by status across the whole width."""
    runs, _end = _runs(charts.bureaus, charts.statuses, charts.invitations or 1, WIDTH, inside=True)
    return runs


@dataclass(frozen=True)
class KeyTaskRow:
    bar: KeyTaskBar
    top: int  # of its band; the title sits at top + 14, the bar at top + 20
    runs: list[Run]
    total_x: str  # where its total is written, after the bar


def key_task_rows(charts: ConferenceCharts) -> list[KeyTaskRow]:
    """One band per key task, the longest bar spanning the width less room for its total."""
    largest = charts.largest_key_task or 1
    rows = []
    for index, bar in enumerate(charts.key_tasks):
        runs, end = _runs(bar.counts, charts.states, largest, KEY_TASKS_WIDTH - KEY_TASK_ROOM)
        rows.append(KeyTaskRow(bar, index * KEY_TASK_ROW, runs, _f(end + 6)))
    return rows


def key_tasks_height(charts: ConferenceCharts) -> int:
    return KEY_TASK_ROW * len(charts.key_tasks) + 4


@dataclass(frozen=True)
class TimeAxis:
    """The submissions over time: the cumulative step line against the due dates."""

    most: int  # the top of the scale: every invitation sent, or more if pieces were replaced
    due_lines: list[tuple[date, str]]  # each due date and its x
    due_label_x: str | None  # where "Due" is written, beside the first due line (if any)
    points: str  # the polyline's points


def time_axis(charts: ConferenceCharts) -> TimeAxis:
    days = (charts.end - charts.start).days or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    most = max(charts.invitations, charts.days[-1].cumulative if charts.days else 0, 1)

    def x_of(day: date) -> float:
        return LEFT + (day - charts.start).days / days * plot_w

    dues = charts.due_dates
    return TimeAxis(most, [(due, _f(x_of(due))) for due in dues], _f(x_of(dues[0]) + 4) if dues else None,
                    _steps(charts.days, lambda day: _f(x_of(day)),
                           lambda cumulative: _f(BASE - cumulative / most * plot_h)))


def _steps(points: list[DayPoint], x_of, y_of) -> str:
    # A step up at each day: along at the running total, then up to the new one.
    drawn, y = [f"{LEFT},{BASE}"], str(BASE)
    for point in points:
        x, new_y = x_of(point.day), y_of(point.cumulative)
        drawn += [f"{x},{y}", f"{x},{new_y}"]
        y = new_y
    drawn.append(f"{WIDTH - RIGHT},{y}")
    return " ".join(drawn)
