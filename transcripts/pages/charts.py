"""The agency dashboard's two charts as geometry for inline SVG (templates draw it): JP by
competency type, and the distribution of people's JP against the required-JP line.
Pure functions; every chart also carries its text alternative (a title, a description
and the rows of a data table)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from transcripts.aggregation import JP_TYPES
from transcripts.pages.texts import Texts

BUCKET_JP = 5  # the agency report's buckets are 5 JP wide (transcripts.render)
BUCKETS = 9  # 0-5 ... 35-40, then 40+


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    x: float
    y: float
    width: float
    height: float
    kind: str  # CSS class: the bar's meaning (a type, under/over the line)
    label_x: float
    label_y: float
    value_x: float
    value_y: float


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Line:
    x: float
    top: float
    bottom: float
    label: str


@dataclass(frozen=True)
class Chart:
    id: str
    width: int
    height: int
    title: str
    description: str
    bars: tuple[Bar, ...]
    rows: tuple[tuple[str, str], ...]  # the data table: (label, value)
    ticks: tuple[Tick, ...] = ()
    line: Line | None = None
    axis: tuple[float, float, float] | None = None  # (left, right, baseline y)
    legend: tuple[tuple[str, str], ...] = ()  # (kind, label)
    rows_header: tuple[str, str] = ("", "")
    x_labels: tuple[Label, ...] = ()  # an axis's labels; without them, each bar's own


def jp_by_type_chart(jp_by_type_centi: Mapping[str, int], texts: Texts) -> Chart:
    """Horizontal bars, the label above each bar so long names fit on a phone."""
    width, row, bar_height, value_room = 340, 52, 20, 72
    largest = max([jp_by_type_centi.get(kind, 0) for kind in JP_TYPES] + [1])
    bars, rows = [], []
    for index, kind in enumerate(JP_TYPES):
        centi = jp_by_type_centi.get(kind, 0)
        top = index * row + 24
        length = (width - value_room) * centi / largest
        label, value = texts.competency_type(kind), f"{texts.jp(centi)} JP"
        bars.append(Bar(label=label, value=value, x=0, y=top, width=round(length, 1),
                        height=bar_height, kind=f"type-{kind}", label_x=0, label_y=top - 6,
                        value_x=round(length + 6, 1), value_y=top + 15))
        rows.append((label, value))
    items = "; ".join(f"{label} {value}" for label, value in rows)
    return Chart(id="chart-by-type", width=width, height=len(JP_TYPES) * row + 8,
                 title=texts.t("chart.by_type_title"),
                 description=texts.t("chart.by_type_desc", items=items),
                 bars=tuple(bars), rows=tuple(rows),
                 rows_header=(texts.t("col.type"), texts.t("col.jp")))


def bucket_label(index: int) -> str:
    low = index * BUCKET_JP
    return f"{low}+" if index == BUCKETS - 1 else f"{low}-{low + BUCKET_JP}"


def _nice_step(largest: int) -> int:
    """A tick step of 1, 2 or 5 x 10^n giving at most five ticks."""
    raw = max(largest / 4, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def distribution_chart(distribution: Mapping[int, int], required_centi: int,
                       texts: Texts) -> Chart:
    """Columns of people per 5-JP range, the JP axis labelled at the range bounds (short
    labels stay legible on a phone) and a vertical line at the required JP."""
    width, height = 360, 276
    left, right, top, bottom = 30, 8, 30, 232
    slot = (width - left - right) / BUCKETS
    counts = [distribution.get(index, 0) for index in range(BUCKETS)]
    step = _nice_step(max([*counts, 1]))
    ceiling = step * math.ceil(max([*counts, 1]) / step)
    scale = (bottom - top) / ceiling
    required = required_centi / 100
    bars, rows = [], []
    under = over = 0
    for index, people in enumerate(counts):
        low, high = index * BUCKET_JP, (index + 1) * BUCKET_JP
        if index < BUCKETS - 1 and high <= required:
            kind, under = "under", under + people
        elif low >= required:
            kind, over = "over", over + people
        else:
            kind = "mixed"  # a requirement inside a range: that range is on both sides
        column = people * scale
        x = left + index * slot + 3
        label = bucket_label(index)
        centre = round(x + (slot - 6) / 2, 1)
        bars.append(Bar(label=label, value=texts.number(people), x=round(x, 1),
                        y=round(bottom - column, 1), width=round(slot - 6, 1),
                        height=round(column, 1), kind=kind, label_x=centre, label_y=bottom + 18,
                        value_x=centre, value_y=round(bottom - column - 5, 1)))
        rows.append((f"{label} JP", texts.number(people)))
    ticks = tuple(Tick(y=round(bottom - value * scale, 1), label=texts.number(value))
                  for value in range(0, ceiling + 1, step))
    # The bounds 0, 5, ... 35 under the axis; the open last range is labelled in its middle.
    x_labels = tuple(Label(x=round(left + index * slot, 1), y=bottom + 18,
                           text=str(index * BUCKET_JP)) for index in range(BUCKETS - 1))
    x_labels += (Label(x=round(left + (BUCKETS - 0.5) * slot, 1), y=bottom + 18,
                       text=bucket_label(BUCKETS - 1)),
                 Label(x=round((left + width - right) / 2, 1), y=bottom + 36,
                       text=texts.t("chart.jp_axis")))
    line_jp = min(required, BUCKETS * BUCKET_JP)
    line = Line(x=round(left + line_jp / BUCKET_JP * slot, 1), top=top - 14, bottom=bottom,
                label=texts.t("chart.line", required=texts.number(required_jp(required))))
    items = "; ".join(f"{label} {value}" for label, value in rows)
    exact = required_centi % (BUCKET_JP * 100) == 0
    required_text = texts.number(required_jp(required))
    description = texts.t("chart.distribution_desc", items=items,
                          under=texts.tn("chart.under_count", under, required=required_text),
                          over=texts.tn("chart.over_count", over, required=required_text))
    if not exact:  # the line cuts a range: only the ranges can be told
        description = texts.t("chart.distribution_plain", items=items)
    return Chart(id="chart-distribution", width=width, height=height,
                 title=texts.t("chart.distribution_title",
                               required=texts.number(required_jp(required))),
                 description=description, bars=tuple(bars), rows=tuple(rows), ticks=ticks,
                 line=line, axis=(left, width - right, bottom),
                 legend=(("under", texts.t("chart.under")), ("over", texts.t("chart.over"))),
                 rows_header=(texts.t("col.bucket"), texts.t("col.people")),
                 x_labels=x_labels)


def required_jp(required: float) -> int | float:
    return int(required) if required == int(required) else required
