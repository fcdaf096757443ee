"""Browser-facing LTI routes: OIDC login, launch, JWKS, landing pages, Deep Linking,
Dynamic Registration.  Pages carry the launch id in their URL, not in a cookie, so
they work inside an LMS iframe that blocks third-party cookies."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TypeVar

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from pylti1p3.exception import OIDCException
from werkzeug.datastructures import MultiDict

from hub.errors import BadRequest
from hub.inputs import Input, parse_query
from hub.settings import current_settings
from lti.i18n import Formats, pick_language, reason_text, translator
from lti.keys import public_jwks
from lti.tool import deep_linking, pages
from lti.tool.adapters import PlatformDisabled
from lti.tool.dynamic_registration import RegistrationFailed, register_dynamically
from lti.tool.inputs import CatalogueSearch, CourseQuery, DeepLinkChoice, RegistrationQuery
from lti.tool.launch import Launch, linked_entry, record_launch, target_launcher
from lti.tool.learner import partner_catalogue
from lti.tool.roster import RosterUnavailable, sync_roster
from lti.tool.session import message_launch, oidc_login, restored_launch
from lti.tool.storage import stores as tool_stores
from lti.tool.validation import DEEP_LINKING_REQUEST, HubMessageLaunch, LaunchRejected, describe

log = logging.getLogger(__name__)
blueprint = Blueprint("lti_tool", __name__, url_prefix="/lti", template_folder="../templates")
M = TypeVar("M", bound=Input)


def rejected(code: str, detail: str, *, status: int = 400, title: str = "title.launch_refused",
             intro: str | None = None, **values: str):
    language = pick_language()
    log.warning("LTI request rejected: %s (%s)", code, detail)
    return render_template("lti/error.html", t=translator(language), lang=language, code=code,
                           reason=reason_text(code, language, **values), title=title,
                           intro=intro), status


class InputRefused(Exception):
    """A query string or form these pages do not take; `code` names the reason
    (rejected.missing_parameter or rejected.bad_parameter) and `field` the name."""

    def __init__(self, code: str, field: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.field, self.detail = code, field, detail


def _parsed(model: type[M], values: MultiDict[str, str], *,
            repeatable: Iterable[str] = ()) -> M:
    try:
        return parse_query(model, values, repeatable=repeatable)
    except BadRequest as exc:
        field = exc.parameter or ""
        code = "bad_parameter" if field in values else "missing_parameter"
        raise InputRefused(code, field, exc.message) from None


@blueprint.errorhandler(InputRefused)
def input_refused(exc: InputRefused):
    # A page, in the page's language, not the API's JSON: a person is looking at it.
    return rejected(exc.code, exc.detail, title="title.refused", intro="refused.intro",
                    field=exc.field)


@blueprint.errorhandler(LaunchRejected)
def launch_rejected(exc: LaunchRejected):
    return rejected(exc.code, exc.detail, status=exc.status)


@blueprint.errorhandler(PlatformDisabled)
def platform_disabled(exc: PlatformDisabled):
    return rejected("platform_disabled", str(exc), status=403)


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """OIDC third-party initiated login (LTI Security Framework 5.1.1)."""
    language = pick_language()
    try:
        flow, _ = oidc_login(language)
        return flow.redirect(deep_linking.launch_url())
    except OIDCException as exc:
        code = "unknown_platform" if "registration" in str(exc) else "bad_login"
        if str(exc) == "unknown deployment":
            code = "unknown_deployment"
        return rejected(code, str(exc))


@blueprint.post("/launch")
def launch():
    flow = message_launch()
    flow.validate()
    claims = flow.get_launch_data()
    current = Launch(launch_id=flow.get_launch_id(), platform=flow.registration.platform,
                     claims=claims)
    if current.message_type == DEEP_LINKING_REQUEST:
        log.info("LTI deep linking request accepted: %s", describe(claims))
        return redirect(url_for(".deep_link", launch_id=current.launch_id), 303)
    link = record_launch(current)
    if current.is_staff and current.context:
        try:
            sync_roster(current.platform, current.context["id"])
        except RosterUnavailable as exc:
            log.info("NRPS not read at launch: %s", exc)
    entry = linked_entry(link)
    launcher = target_launcher()
    if entry is not None and launcher is not None and not current.is_staff:
        response = launcher(entry, current)
        if response is not None:
            return response
    page = ".course" if current.is_staff else ".progress"
    return redirect(url_for(page, launch_id=current.launch_id), 303)


@blueprint.get("/jwks")
def jwks():
    response = jsonify(public_jwks(tool_stores().lti_keys))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blueprint.get("/config")
def tool_configuration():
    """The URLs an LMS administrator types in when registering the hub by hand."""
    from lti.tool.registration import tool_urls
    return jsonify(tool_urls(current_settings().public_url))


@blueprint.get("/config/canvas")
def canvas_configuration():
    """The JSON a Canvas administrator pastes (or points to) for a developer key."""
    from lti.tool.dynamic_registration import WANTED_SCOPES
    from lti.tool.registration import canvas_configuration
    return jsonify(canvas_configuration(current_settings().public_url, WANTED_SCOPES))


def _restore(launch_id: str) -> tuple[Launch, HubMessageLaunch]:
    flow = restored_launch(launch_id)
    return Launch(launch_id=launch_id, platform=flow.registration.platform,
                  claims=flow.get_launch_data()), flow


@blueprint.get("/progress/<launch_id>")
def progress(launch_id: str):
    current, _ = _restore(launch_id)
    language = pick_language(current.locale)
    return render_template("lti/progress.html", t=translator(language), lang=language,
                           fmt=Formats(language), **pages.learner_view(current))


@blueprint.post("/progress/<launch_id>/open/<catalogue_id>")
def open_offer(launch_id: str, catalogue_id: str):
    """A partner activity of the catalogue, opened from the learner's landing page; the
    launch id in the URL stands for the learner (the page sets no cookie of its own)."""
    current, _ = _restore(launch_id)
    catalogue = partner_catalogue()
    response = catalogue.open(catalogue_id, current) if catalogue is not None else None
    if response is None:
        return rejected("unknown_activity", f"no partner activity {catalogue_id!r}",
                        status=404)
    return response


@blueprint.get("/course/<launch_id>")
def course(launch_id: str):
    query = _parsed(CourseQuery, request.args)
    current, _ = _restore(launch_id)
    if not current.is_staff:
        return redirect(url_for(".progress", launch_id=launch_id), 303)
    language = pick_language(current.locale)
    return render_template("lti/course.html", t=translator(language), lang=language,
                           roster_failed=query.roster == "failed",
                           **pages.course_view(current))


@blueprint.post("/course/<launch_id>/roster")
def refresh_roster(launch_id: str):
    current, _ = _restore(launch_id)
    if not current.is_staff or not current.context:
        abort(403)
    try:
        sync_roster(current.platform, current.context["id"])
    except RosterUnavailable as exc:
        log.warning("NRPS refresh failed: %s", exc)
        return redirect(url_for(".course", launch_id=launch_id, roster="failed"), 303)
    return redirect(url_for(".course", launch_id=launch_id), 303)


@blueprint.post("/course/<launch_id>/partner")
def open_partner_as_staff(launch_id: str):
    """Staff land on the course page; this button launches them, with their LMS roles,
    into the partner activity the link was deep-linked to (LTI cert §5.1.3: a platform
    launches instructors too)."""
    current, _ = _restore(launch_id)
    if not current.is_staff:
        abort(403)
    link = tool_stores().lti_roster.get_resource_link(
        current.platform.stored_id, current.resource_link.get("id", ""))
    entry, launcher = linked_entry(link), target_launcher()
    response = launcher(entry, current) if entry is not None and launcher else None
    if response is None:
        return rejected("unknown_activity", "this link launches no partner activity",
                        status=404)
    return response


@blueprint.route("/deep-link/<launch_id>", methods=["GET", "POST"])
def deep_link(launch_id: str):
    current, flow = _restore(launch_id)
    if current.message_type != DEEP_LINKING_REQUEST:
        raise LaunchRejected("unsupported_message_type", "not a deep linking launch")
    language = pick_language(current.locale)
    if request.method == "GET":
        search = _parsed(CatalogueSearch, request.args)
        return _catalogue_page(launch_id, flow, language, query=search.q)
    choice = _parsed(DeepLinkChoice, request.form, repeatable=("entry",))
    try:
        chosen = deep_linking.chosen_entries(tool_stores().lti_catalogue, choice.entry, flow)
    except deep_linking.UnknownEntry as exc:
        log.warning("deep linking choice of an unknown entry %r", exc.entry_id)
        return _catalogue_page(launch_id, flow, language, unknown_entry=exc.entry_id), 400
    log.info("deep linking response with %d item(s) for %s", len(chosen), current.issuer)
    return render_template("lti/deep_link_return.html", t=translator(language),
                           lang=language, return_url=deep_linking.return_url(flow),
                           jwt=deep_linking.response_jwt(flow, chosen))


def _catalogue_page(launch_id: str, flow: HubMessageLaunch, language: str, *, query: str = "",
                    unknown_entry: str | None = None) -> str:
    entries = tool_stores().lti_catalogue.search_entries(query, deep_linking.SEARCH_LIMIT)
    return render_template("lti/deep_link.html", t=translator(language), lang=language,
                           launch_id=launch_id, query=query, entries=entries,
                           multiple=deep_linking.accepts_multiple(flow),
                           unknown_entry=unknown_entry)


@blueprint.get("/register/<invite>")
def dynamic_registration(invite: str):
    language = pick_language()
    try:
        query = _parsed(RegistrationQuery, request.args)
    except InputRefused as exc:
        log.warning("LTI dynamic registration refused: %s", exc.detail)
        return _registration_failed(language, exc.code,
                                    reason_text(exc.code, language, field=exc.field))
    try:
        platform = register_dynamically(invite, query.openid_configuration,
                                        query.registration_token)
    except RegistrationFailed as exc:
        log.warning("LTI dynamic registration failed: %s", exc)
        return _registration_failed(language, "registration_failed", str(exc))
    return render_template("lti/registered.html", t=translator(language), lang=language,
                           platform=platform)


def _registration_failed(language: str, code: str, reason: str):
    return render_template("lti/error.html", t=translator(language), lang=language, code=code,
                           reason=reason, title="title.register_error",
                           intro="register_error.intro", help="register_error.help"), 400
