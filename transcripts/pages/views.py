"""The auditor pages (/auditor/...): views parse the query string, call one read of
`transcripts.queries` with the signed-in auditor's Reader (agency limits and the access
log apply there, as for the API) and render a template, a CSV or a PDF.

    GET  /auditor/sign-in, POST /auditor/sign-in, POST /auditor/sign-out
    GET  /auditor/people                      search (year, agency, unit, name, compliance)
    GET  /auditor/people.csv                  every match of a search
    GET  /auditor/people/<nip>[?year=]        → the transcript of that year
    GET  /auditor/people/<nip>/<year>         a transcript; /transcript.csv, /transcript.pdf
    GET  /auditor/agency?agency=&year=        the agency dashboard; /agency/report.csv|.pdf
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime
from itertools import chain
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from hub.errors import HubError, NotFound
from hub.i18n import LANGUAGES, pick_language
from hub.logs import shown_key
from hub.storage import current_storage
from transcripts import inputs, queries, render
from transcripts.access import Reader
from transcripts.aggregation import JP_TYPES, jp, transcript_digest
from transcripts.pages import charts, forms, pdf, session
from transcripts.pages.texts import Texts, compliance_key, nip_display, texts
from transcripts.policy import current_policy

log = logging.getLogger(__name__)
blueprint = Blueprint("auditor_pages", __name__, url_prefix="/auditor",
                      template_folder="../templates", static_folder="../static")

LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
# No script runs on these pages; charts are inline SVG, styles come from one file.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
AGENCY_PAGE = 100
NOT_FOUND_TEXTS = {"transcript": "error.unknown_person", "transcript_csv": "error.unknown_person",
                   "transcript_pdf": "error.unknown_person", "person": "error.unknown_person",
                   "agency": "error.unknown_agency", "agency_csv": "error.unknown_agency",
                   "agency_pdf": "error.unknown_agency"}


# --- every request ----------------------------------------------------------------
@blueprint.before_request
def choose_language():
    g.auditor_texts = texts(pick_language(remembered=session.remembered_language()))
    # The switch takes `lang` off any page's query string and hands the rest to that
    # page, whose own model reads it (forms.parse leaves `lang` out): no model of its own.
    asked = request.args.get("lang")
    if request.method == "GET" and asked is not None:
        # The switch: remember the choice and show the same page without `lang`.
        args = MultiDict(request.args)
        args.poplist("lang")
        response = redirect(_here() + (f"?{_query(args)}" if args else ""), 303)
        return session.remember_language(response, asked) if asked in LANGUAGES else response
    if request.method == "POST" and request.endpoint != "auditor_pages.unknown_page":
        session.check_csrf()
    return None


@blueprint.after_request
def finish(response: Response) -> Response:
    session.save(response)
    if request.endpoint != "auditor_pages.static":
        response.headers["Cache-Control"] = "no-store"  # personal data: keep no copies
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _here() -> str:
    """This page's path as the browser sees it (with the prefix the hub is mounted at)."""
    return request.script_root + request.path


def _query(args: MultiDict) -> str:
    return urlencode(list(args.items(multi=True)))


def _texts() -> Texts:
    return g.get("auditor_texts") or texts(pick_language())


def page(template: str, http_status: int = 200, **context) -> tuple[str, int]:
    tx = _texts()
    args = MultiDict(request.args) if request.method == "GET" else MultiDict()
    links = []
    for code in LANGUAGES:
        args.setlist("lang", [code])
        links.append({"code": code, "name": LANGUAGE_NAMES[code], "current": code == tx.language,
                      "url": f"{_here()}?{_query(args)}"})
    return render_template(
        template, tx=tx, t=tx.t, tn=tx.tn, jp=jp, nip_display=nip_display,
        compliance_key=compliance_key, language_links=links,
        auditor=g.get("auditor_credential"), csrf_token=session.current().csrf,
        **context), http_status


def _attachment(body, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _csv(lines: Iterator[str], filename: str) -> Response:
    return _attachment(stream_with_context(lines), "text/csv", filename)


# --- signing in and out -------------------------------------------------------------
def _safe_next(target: str | None) -> str | None:
    """Only a path of these pages: never another site (no open redirect)."""
    if not target or "\\" in target or _has_control_characters(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(url_for(".home")):
        return None
    return target


def _has_control_characters(target: str) -> bool:
    # CR/LF would split the Location header (RFC 9110 5.5); any control, format or space
    # character is no part of a path these pages link to, so the value is ignored.
    return any(unicodedata.category(c).startswith(("C", "Z")) for c in target)


@blueprint.get("/")
def home():
    return redirect(url_for(".search"), 303)


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if request.method == "GET":
        next_url = _safe_next(forms.parse(request.args, forms.SignInLink).next)
        if session.claims_session():
            try:
                session.auditor()
                return redirect(next_url or url_for(".search"), 303)
            except session.SignInRequired:
                pass
        return page("auditor/sign_in.html", notice=session.pop_notice(), next_url=next_url)
    try:
        form = forms.parse(request.values, forms.SignInFields)
    except forms.InvalidField as exc:
        if exc.field not in forms.CREDENTIAL_FIELDS:
            raise
        # No issued credential looks like this: said on the form, not counted as a failure.
        return page("auditor/sign_in.html", 400, error="sign_in.invalid")
    next_url = _safe_next(form.next)
    try:
        credential = session.sign_in(form.key, form.secret)
    except session.SignInRefused as exc:
        # A secret pasted into the key field must not reach the log: shown_key digests
        # anything that is not shaped like an issued key.
        log.warning("auditor sign-in refused for key %s: %s", shown_key(form.key), exc.reason)
        return (*page("auditor/sign_in.html", exc.status, error=exc.reason, key=form.key,
                      next_url=next_url), exc.headers)
    log.info("auditor signed in: %s (%s)", credential.key, credential.name)
    return redirect(next_url or url_for(".search"), 303)


@blueprint.post("/sign-out")
def sign_out():
    session.sign_out()
    return redirect(url_for(".sign_in"), 303)


@blueprint.errorhandler(session.SignInRequired)
def sign_in_required(exc: session.SignInRequired):
    if exc.notice == "sign_in_first":
        session.set_notice("sign_in_first")
    target = (request.script_root + request.full_path.rstrip("?")
              if request.method == "GET" else None)
    return redirect(url_for(".sign_in", next=target), 303)


# --- search -------------------------------------------------------------------------
@blueprint.get("/people")
def search():
    _, reader = session.auditor()
    form = forms.search_form(request.args)
    if form.nip:
        return redirect(url_for(".transcript", nip=form.nip, year=form.year), 303)
    results = None
    if form.submitted:
        results = queries.search_people(current_storage(), current_policy(), reader,
                                        form.criteria())
    return page("auditor/search.html", section="search", form=form, page=results,
                agencies=sorted(reader.agencies or ()))


@blueprint.get("/people.csv")
def search_csv():
    _, reader = session.auditor()
    form = forms.search_form(request.args)
    criteria = replace(form.criteria(), after=None)  # every match, not one page
    rows = queries.all_people(current_storage(), current_policy(), reader, criteria)
    return _csv(render.standings_csv(rows), f"asn-{form.year}.csv")


# --- a person's transcript ------------------------------------------------------------
@blueprint.get("/people/<nip>")
def person(nip: str):
    session.auditor()
    nip = forms.nip_in_path(nip)
    year = forms.optional_year(request.args) or inputs.current_year()
    return redirect(url_for(".transcript", nip=nip, year=year), 303)


def _read_transcript(nip: str, year: str, *, with_years: bool = False) -> queries.TranscriptRead:
    _, reader = session.auditor()
    forms.parse(request.args, forms.NoFields)
    nip, year_value = forms.nip_in_path(nip), forms.year_in_path(year)
    return queries.read_transcript(current_storage(), current_policy(), reader, nip,
                                   year_value, with_years=with_years)


@blueprint.get("/people/<nip>/<year>")
def transcript(nip: str, year: str):
    read = _read_transcript(nip, year, with_years=True)
    found = read.transcript
    years = sorted({*read.years, inputs.current_year(), found.year}, reverse=True)
    return page("auditor/transcript.html", section="search", transcript=found,
                person=found.person, years=years, jp_types=JP_TYPES,
                competencies=read.competencies, digest=transcript_digest(found))


@blueprint.get("/people/<nip>/<year>/transcript.csv")
def transcript_csv(nip: str, year: str):
    read = _read_transcript(nip, year)
    found = read.transcript
    return _csv(render.transcript_csv(found, read.competencies),
                f"transkrip-{found.person.nip}-{found.year}.csv")


@blueprint.get("/people/<nip>/<year>/transcript.pdf")
def transcript_pdf(nip: str, year: str):
    read = _read_transcript(nip, year)
    found = read.transcript
    policy = current_policy()
    body = pdf.transcript_pdf(found, read.competencies, _texts(),
                              issuer=policy.issuer_name, generated_at=datetime.now(UTC),
                              digest=transcript_digest(found))
    return _attachment(body, "application/pdf",
                       f"transkrip-{found.person.nip}-{found.year}.pdf")


# --- the agency dashboard -------------------------------------------------------------
@blueprint.get("/agency")
def agency():
    _, reader = session.auditor()
    form = forms.agency_form(request.args)
    agencies = sorted(reader.agencies or ())
    if not form.agency:
        return page("auditor/agency.html", section="agency", form=form, report=None,
                    agencies=agencies)
    policy = current_policy()
    report = queries.agency_report(current_storage(), policy, reader, form.agency, form.year,
                                   limit=AGENCY_PAGE, after=form.after)
    tx = _texts()
    required_centi = report.requirements_centi.get("PNS", 2000)
    totals = report.totals
    return page("auditor/agency.html", section="agency", form=form, report=report,
                agencies=agencies, required=tx.jp(required_centi),
                average_centi=totals.jp_centi // totals.people if totals.people else 0,
                by_type_chart=charts.jp_by_type_chart(totals.jp_by_type_centi, tx),
                distribution_chart=charts.distribution_chart(totals.distribution,
                                                             required_centi, tx))


def _visible_agency() -> tuple[forms.AgencyForm, Reader]:
    _, reader = session.auditor()
    form = forms.agency_form(request.args, require_agency=True)
    if not reader.may_read_agency(form.agency):
        raise NotFound(f"agency {form.agency!r} is not visible to this credential")
    return form, reader


def _under_required(reader: Reader, year: int, agency: str,
                    after: str | None = None) -> Iterator[queries.Standing]:
    return queries.all_people(current_storage(), current_policy(), reader, queries.PeopleFilter(
        year=year, agency=agency, compliance="non_compliant", after=after))


@blueprint.get("/agency/report.csv")
def agency_csv():
    form, reader = _visible_agency()
    return _csv(render.standings_csv(_under_required(reader, form.year, form.agency)),
                f"belum-20-jp-{form.year}.csv")


@blueprint.get("/agency/report.pdf")
def agency_pdf():
    form, reader = _visible_agency()
    policy = current_policy()
    report = queries.agency_report(current_storage(), policy, reader, form.agency, form.year,
                                   limit=AGENCY_PAGE)
    rest = (_under_required(reader, form.year, form.agency, report.next_after)
            if report.next_after else ())
    body = pdf.agency_pdf(report, chain(report.under_required, rest), _texts(),
                          issuer=policy.issuer_name, generated_at=datetime.now(UTC))
    return _attachment(body, "application/pdf", f"laporan-instansi-{form.year}.pdf")


# --- errors: friendly pages in the chosen language, with the right status -------------
def _error_page(status: int, key: str, message: str):
    if "auditor_credential" not in g and session.claims_session():
        with suppress(Exception):  # the menu if still signed in; the error page regardless
            session.auditor()
    return page("auditor/error.html", status, status=status, key=key, message=message,
                heading=f"error.{status}" if status in (400, 403, 404, 405) else
                ("error.500" if status >= 500 else "title.error"),
                request_id=g.get("request_id", "-"))


@blueprint.errorhandler(forms.InvalidField)
def invalid_field(exc: forms.InvalidField):
    tx = _texts()
    label = forms.FIELD_LABELS.get(exc.field)
    return _error_page(400, exc.key, tx.t(exc.key, field=tx.t(label) if label else exc.field))


@blueprint.errorhandler(session.CsrfRefused)
def csrf_refused(exc: session.CsrfRefused):
    log.warning("auditor page form refused: CSRF token missing or wrong")
    return _error_page(400, "error.csrf", _texts().t("error.csrf"))


@blueprint.errorhandler(NotFound)
def not_found(exc: NotFound):
    key = NOT_FOUND_TEXTS.get((request.endpoint or "").rpartition(".")[2], "error.unknown_page")
    nip = (request.view_args or {}).get("nip", "")
    return _error_page(404, key, _texts().t(key, nip=nip_display(nip)))


@blueprint.errorhandler(HubError)
def hub_error(exc: HubError):
    key = f"error.{exc.status}"
    return _error_page(exc.status, key, _texts().t(key))


@blueprint.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    status = exc.code or 500
    key = "error.unknown_page" if status == 404 else f"error.{status}"
    return _error_page(status, key, _texts().t(key))


@blueprint.errorhandler(Exception)
def unexpected(exc: Exception):
    log.exception("unhandled error on an auditor page")
    return _error_page(500, "error.500", _texts().t("error.500"))


@blueprint.route("/<path:unknown>", methods=["GET", "POST"])
def unknown_page(unknown: str):
    """Anything else under /auditor/: the 404 page (or 405 for a page that exists but
    takes another method), not the API's JSON."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in ("GET", "POST"):
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            response = _error_page(405, "error.method", _texts().t("error.method"))
            return (*response, {"Allow": method})
    raise NotFound("no such page")

