"""The auditor pages' pure parts: chart geometry and text alternatives, and how numbers,
dates and NIPs are written in each language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from transcripts.pages.charts import BUCKETS, distribution_chart, jp_by_type_chart
from transcripts.pages.texts import nip_display, texts

ID, EN = texts("id"), texts("en")


@pytest.mark.parametrize(("value", "indonesian", "english"), [
    (0, "0", "0"), (20, "20", "20"), (23.5, "23,5", "23.5"), (1234567.25, "1.234.567,25",
                                                             "1,234,567.25"),
])
def test_numbers_are_written_as_each_language_writes_them(value, indonesian, english):
    assert (ID.number(value), EN.number(value)) == (indonesian, english)


def test_jp_scores_and_missing_values():
    assert (ID.jp(2350), ID.jp(333), ID.jp(None)) == ("23,5", "3,33", "—")
    assert (ID.score(8750), EN.score(8750), EN.score(None)) == ("87,5%", "87.5%", "—")


def test_dates_are_jakarta_dates_with_month_names():
    new_year_in_jakarta = datetime(2025, 12, 31, 18, 30, tzinfo=UTC)
    assert ID.date(new_year_in_jakarta) == "1 Januari 2026"
    assert EN.date(new_year_in_jakarta) == "1 January 2026"
    assert ID.moment(new_year_in_jakarta) == "1 Januari 2026 01:30"


def test_a_nip_is_shown_grouped():
    assert nip_display("199001012015032001") == "19900101 201503 2 001"
    assert nip_display("12345") == "12345"


def test_an_unknown_language_falls_back_to_indonesian():
    assert texts("fr").language == "id"
    assert ID.t("no.such.key") == "no.such.key"


def test_the_jp_by_type_bars_are_scaled_to_the_largest():
    chart = jp_by_type_chart({"teknis": 3000, "manajerial": 1500, "sosial_kultural": 0,
                              "unmapped": 750}, ID)
    widths = [bar.width for bar in chart.bars]
    assert widths[0] == max(widths) and widths[1] == widths[0] / 2 and widths[2] == 0
    assert [bar.kind for bar in chart.bars] == ["type-teknis", "type-manajerial",
                                                "type-sosial_kultural", "type-unmapped"]
    assert chart.description == ("Total JP per jenis kompetensi: Teknis 30 JP; Manajerial "
                                 "15 JP; Sosial kultural 0 JP; Tanpa pemetaan kompetensi "
                                 "7,5 JP.")
    assert chart.rows[0] == ("Teknis", "30 JP")


def test_an_empty_agency_draws_empty_charts_without_dividing_by_zero():
    assert all(bar.width == 0 for bar in jp_by_type_chart({}, EN).bars)
    chart = distribution_chart({}, 2000, EN)
    assert all(bar.height == 0 for bar in chart.bars)
    assert "0 people under 20 JP, 0 people at or above 20 JP" in chart.description


def test_the_distribution_is_split_by_the_20_jp_line():
    chart = distribution_chart({0: 6, 1: 4, 3: 1, 4: 5, 8: 2}, 2000, ID)
    assert len(chart.bars) == BUCKETS
    assert [bar.kind for bar in chart.bars] == ["under"] * 4 + ["over"] * 5
    left, right, _ = chart.axis
    slot = (right - left) / BUCKETS
    assert chart.line.x == pytest.approx(left + 4 * slot, abs=0.1)  # between 15-20 and 20-25
    assert chart.line.label == "Batas 20 JP"
    assert "11 pegawai di bawah 20 JP, 7 pegawai pada atau di atas 20 JP" in chart.description
    assert chart.rows[-1] == ("40+ JP", "2")
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.label == "0-5" and tallest.y == pytest.approx(chart.ticks[-1].y)
    assert [tick.label for tick in chart.ticks] == ["0", "2", "4", "6"]
    assert [label.text for label in chart.x_labels][:3] == ["0", "5", "10"]


def test_a_requirement_inside_a_range_marks_that_range_as_mixed():
    chart = distribution_chart({4: 3}, 2200, EN)
    assert chart.bars[4].kind == "mixed"
    assert chart.description.startswith("People per JP range:")
    assert "under" not in chart.description


def test_a_requirement_beyond_the_last_range_puts_the_line_at_the_edge():
    chart = distribution_chart({8: 1}, 6000, EN)
    assert chart.line.x == pytest.approx(chart.axis[1], abs=0.1)
    assert chart.line.label == "60 JP line"


@pytest.mark.parametrize(("largest", "ticks"), [(1, 2), (7, 5), (40, 5), (1234, 4)])
def test_the_people_axis_has_a_few_round_ticks(largest, ticks):
    chart = distribution_chart({0: largest}, 2000, EN)
    labels = [int(t.label.replace(",", "")) for t in chart.ticks]
    assert len(labels) <= ticks and labels[0] == 0 and labels[-1] >= largest
    step = labels[1] - labels[0]
    assert str(step).strip("0") in ("1", "2", "5")


def _luminance(colour: str) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# (foreground, background, minimum): WCAG 2.1 AA — 4.5:1 for text, 3:1 for UI parts.
PAIRS = [("ink", "paper", 4.5), ("ink", "wash", 4.5), ("muted", "paper", 4.5),
         ("muted", "wash", 4.5), ("brand", "paper", 4.5), ("brand", "wash", 4.5),
         ("paper", "brand", 4.5), ("paper", "brand-dark", 4.5), ("good", "good-wash", 4.5),
         ("bad", "bad-wash", 4.5), ("bad", "paper", 4.5), ("under", "paper", 3),
         ("over", "paper", 3), ("mixed", "paper", 3), ("focus", "paper", 3)]


@pytest.mark.parametrize(("foreground", "background", "minimum"), PAIRS)
def test_the_palette_meets_wcag_aa_contrast(foreground, background, minimum):
    import re
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "transcripts/static/auditor.css").read_text()
    palette = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6});", css))
    assert contrast(palette[foreground], palette[background]) >= minimum
