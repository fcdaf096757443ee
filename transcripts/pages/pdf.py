"""PDF copies of a transcript and of an agency report (reportlab), in the page's language.

The text is set in Bitstream Vera, which reportlab ships and embeds, so names with
letters outside Latin-1 print and the text can be extracted again.  The agency report
draws the dashboard's charts from the same geometry as the pages' SVG
(`transcripts.pages.charts`)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from transcripts.aggregation import JP_TYPES, Transcript
from transcripts.pages.charts import Chart, distribution_chart, jp_by_type_chart
from transcripts.pages.texts import Texts, nip_display
from transcripts.queries import AgencyReport, Standing
from transcripts.storage.contract import Competency

FONT, BOLD = "HubVera", "HubVera-Bold"
INK = colors.HexColor("#1b1b1b")
MUTED = colors.HexColor("#4a4a4a")
RULE = colors.HexColor("#b8c2cc")
HEAD = colors.HexColor("#e8eef5")
CHART_COLOURS = {"under": "#b35c00", "over": "#1f5fa8", "mixed": "#6b6b6b",
                 "type-teknis": "#1f5fa8", "type-manajerial": "#6a3d9a",
                 "type-sosial_kultural": "#1a6b34", "type-unmapped": "#6b6b6b"}


def _fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
        pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT,
                                      boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, textColor=INK)
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=15, leading=19,
                                spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=11, leading=14,
                             spaceBefore=10, spaceAfter=4),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "number": ParagraphStyle("number", parent=base, fontSize=8, leading=10,
                                 alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base, fontName=BOLD, fontSize=8, leading=10),
        "small": ParagraphStyle("small", parent=base, fontSize=6.5, leading=8,
                                textColor=MUTED),
    }


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _table(header: list[str], rows: Iterable[list], widths: list[float],
           styles: dict[str, ParagraphStyle], *, numeric: Iterable[int] = ()) -> LongTable:
    numeric = set(numeric)
    body = [[_p(h, styles["head"]) for h in header]]
    for row in rows:
        body.append([cell if isinstance(cell, Paragraph) else
                     _p(cell, styles["number" if column in numeric else "cell"])
                     for column, cell in enumerate(row)])
    table = LongTable(body, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, RULE), ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    return table


def _pairs(rows: list[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    table = Table([[_p(k, styles["head"]), _p(v, styles["cell"])] for k, v in rows],
                  colWidths=[45 * mm, None], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE)]))
    return table


def _document(buffer: io.BytesIO, *, title: str, texts: Texts, issuer: str,
              generated_at: datetime) -> SimpleDocTemplate:
    generated = texts.t("transcript.generated", moment=texts.moment(generated_at))
    footer = f"{issuer} · {generated}"

    def on_page(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(doc.leftMargin, 10 * mm, footer)
        canvas.drawRightString(A4[0] - doc.rightMargin, 10 * mm,
                               texts.t("transcript.page", page=doc.page))
        canvas.restoreState()

    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, author=issuer,
                                 subject=title, creator=issuer, leftMargin=16 * mm,
                                 rightMargin=16 * mm, topMargin=16 * mm, bottomMargin=18 * mm,
                                 lang=texts.language)
    document.on_page = on_page
    return document


def _build(document: SimpleDocTemplate, story: list) -> None:
    document.build(story, onFirstPage=document.on_page, onLaterPages=document.on_page)


def transcript_pdf(transcript: Transcript, competencies: Mapping[str, Competency],
                   texts: Texts, *, issuer: str, generated_at: datetime, digest: str) -> bytes:
    _fonts()
    styles = _styles()
    person = transcript.person
    t = texts.t
    title = t("transcript.heading", year=transcript.year)
    buffer = io.BytesIO()
    document = _document(buffer, title=f"{title} — {person.name}", texts=texts,
                         issuer=issuer, generated_at=generated_at)
    width = document.width
    required = (t("none") if transcript.required_jp_centi is None
                else texts.jp(transcript.required_jp_centi))
    story: list = [
        _p(title, styles["title"]),
        _pairs([(t("col.name"), person.name), (t("col.nip"), nip_display(person.nip)),
                (t("col.employee_type"), texts.employee_type(person.employee_type)),
                (t("col.agency"), person.agency or t("none")),
                (t("col.unit"), person.unit or t("none"))], styles),
        _p(t("transcript.summary"), styles["h2"]),
        _pairs([(t("transcript.total"), f"{texts.jp(transcript.jp_centi)} JP"),
                (t("transcript.required"), required),
                (t("col.compliance"), texts.compliance(transcript.compliant))], styles),
        _p(t("transcript.by_type"), styles["h2"]),
        _table([t("col.type"), t("col.jp")],
               [[texts.competency_type(kind), texts.jp(transcript.jp_by_type_centi.get(kind, 0))]
                for kind in JP_TYPES], [width * 0.6, width * 0.2], styles, numeric=[1]),
        _p(t("transcript.competencies"), styles["h2"]),
    ]
    if transcript.competencies:
        story.append(_table(
            [t("col.code"), t("col.competency"), t("col.type"), t("col.highest_level")],
            [[c.code, c.name, texts.competency_type(c.type),
              t("none") if c.highest_level is None else c.highest_level]
             for c in transcript.competencies],
            [width * 0.14, width * 0.5, width * 0.2, width * 0.16], styles, numeric=[3]))
    else:
        story.append(_p(t("transcript.no_competencies"), styles["body"]))
    story.append(_p(t("transcript.activities"), styles["h2"]))
    if transcript.lines:
        story.append(_table(
            [t("col.date"), t("col.activity"), t("col.provider"), t("col.score"), t("col.jp"),
             t("col.competency")],
            [_activity_row(line, competencies, texts, styles) for line in transcript.lines],
            [width * f for f in (0.11, 0.36, 0.17, 0.08, 0.06, 0.22)], styles,
            numeric=[3, 4]))
    else:
        story.append(_p(t("transcript.no_activities"), styles["body"]))
    story += [Spacer(1, 8), _p(f"{t('transcript.digest')}: {digest}", styles["small"])]
    _build(document, story)
    return buffer.getvalue()


def _activity_row(line, competencies: Mapping[str, Competency], texts: Texts,
                  styles: dict[str, ParagraphStyle]) -> list:
    competency = competencies.get(line.competency_id) if line.competency_id else None
    evidence = " ".join(line.statement_ids)
    activity = Paragraph(
        f"{escape(line.activity_name)}<br/><font size='6.5' color='#4a4a4a'>"
        f"{escape(line.activity_id)}<br/>{escape(texts.t('col.evidence'))}: "
        f"{escape(evidence)}</font>", styles["cell"])
    if competency is None:
        named = texts.competency_type("unmapped")
    else:
        level = "" if line.level is None else f" ({texts.t('col.level')} {line.level})"
        named = f"{competency.name}{level}"
    return [texts.date(line.date), activity, line.provider or texts.t("none"),
            texts.score(line.score_centi), texts.jp(line.jp_centi), named]


def _drawing(chart: Chart) -> Drawing:
    """The SVG geometry (y down) drawn with reportlab shapes (y up)."""
    scale = 0.75
    drawing = Drawing(chart.width * scale, chart.height * scale)

    def y(value: float) -> float:
        return (chart.height - value) * scale

    if chart.axis:
        left, right, baseline = chart.axis
        drawing.add(Line(left * scale, y(baseline), right * scale, y(baseline),
                         strokeColor=MUTED, strokeWidth=0.6))
        for tick in chart.ticks:
            drawing.add(String((left - 4) * scale, y(tick.y) - 2, tick.label, fontName=FONT,
                               fontSize=6.5, fillColor=MUTED, textAnchor="end"))
    for bar in chart.bars:
        colour = colors.HexColor(CHART_COLOURS.get(bar.kind, "#6b6b6b"))
        if bar.width > 0 and bar.height > 0:
            drawing.add(Rect(bar.x * scale, y(bar.y + bar.height), bar.width * scale,
                             bar.height * scale, fillColor=colour, strokeColor=None))
        anchor = "middle" if chart.axis else "start"
        if not chart.x_labels:
            drawing.add(String(bar.label_x * scale, y(bar.label_y), bar.label, fontName=FONT,
                               fontSize=7, fillColor=INK, textAnchor=anchor))
        drawing.add(String(bar.value_x * scale, y(bar.value_y), bar.value, fontName=BOLD,
                           fontSize=7, fillColor=INK, textAnchor=anchor))
    for label in chart.x_labels:
        drawing.add(String(label.x * scale, y(label.y), label.text, fontName=FONT,
                           fontSize=6.5, fillColor=MUTED, textAnchor="middle"))
    if chart.line:
        line = chart.line
        drawing.add(Line(line.x * scale, y(line.top), line.x * scale, y(line.bottom),
                         strokeColor=colors.HexColor("#a4161a"), strokeWidth=1.2,
                         strokeDashArray=[3, 2]))
        drawing.add(String(line.x * scale + 3, y(line.top) - 7, line.label, fontName=BOLD,
                           fontSize=7, fillColor=colors.HexColor("#a4161a")))
    return drawing


def agency_pdf(report: AgencyReport, under_required: Iterable[Standing], texts: Texts, *,
               issuer: str, generated_at: datetime) -> bytes:
    _fonts()
    styles = _styles()
    t = texts.t
    totals = report.totals
    required_centi = report.requirements_centi.get("PNS", 2000)
    required = texts.jp(required_centi)
    title = t("title.agency_of", agency=report.agency, year=report.year)
    buffer = io.BytesIO()
    document = _document(buffer, title=title, texts=texts, issuer=issuer,
                         generated_at=generated_at)
    width = document.width
    average = totals.jp_centi // totals.people if totals.people else 0
    by_type = jp_by_type_chart(totals.jp_by_type_centi, texts)
    spread = distribution_chart(totals.distribution, required_centi, texts)
    story: list = [
        _p(title, styles["title"]),
        _pairs([(t("agency.people"), texts.number(totals.people)),
                (t("agency.compliant"), texts.number(totals.compliant)),
                (t("agency.non_compliant"), texts.number(totals.non_compliant)),
                (t("agency.unknown"), texts.number(totals.unknown)),
                (t("agency.total_jp"), texts.jp(totals.jp_centi)),
                (t("agency.average_jp"), texts.jp(average))], styles),
        KeepTogether([_p(t("agency.by_type"), styles["h2"]), _drawing(by_type),
                      _table([t("col.type"), t("col.jp")], [list(r) for r in by_type.rows],
                             [width * 0.6, width * 0.2], styles, numeric=[1])]),
        KeepTogether([_p(t("agency.distribution", required=required), styles["h2"]),
                      _drawing(spread), _p(spread.description, styles["small"])]),
        _p(t("agency.units"), styles["h2"]),
        _table([t("col.unit"), t("col.people"), t("col.compliant"), t("col.total_jp")],
               [[u["unit"] or t("none"), texts.number(u["people"]), texts.number(u["compliant"]),
                 texts.jp(u["jp_centi"])] for u in totals.units],
               [width * 0.46, width * 0.18, width * 0.18, width * 0.18], styles,
               numeric=[1, 2, 3]),
        _p(t("agency.under", required=required), styles["h2"]),
    ]
    rows = [[nip_display(s.person.nip), s.person.name, s.person.unit or t("none"),
             texts.employee_type(s.person.employee_type), texts.jp(s.jp_centi),
             texts.jp(s.required_jp_centi)] for s in under_required]
    if rows:
        story.append(_table([t("col.nip"), t("col.name"), t("col.unit"),
                             t("col.employee_type"), t("col.total_jp"), t("col.required_jp")],
                            rows, [width * f for f in (0.22, 0.26, 0.2, 0.1, 0.11, 0.11)],
                            styles, numeric=[4, 5]))
    else:
        story.append(_p(t("agency.under_none"), styles["body"]))
    _build(document, story)
    return buffer.getvalue()
