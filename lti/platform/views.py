"""Browser-facing platform routes: the platform JWKS and OpenID configuration, the OIDC
authorization endpoint, the catalogue page and its launches, and Deep Linking."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Blueprint, jsonify, make_response, redirect, render_template, request, url_for

from hub.errors import BadRequest, is_storage_unavailable
from hub.inputs import parse_query
from hub.settings import current_settings
from lti.i18n import pick_language
from lti.keys import public_jwks
from lti.platform import deep_linking, launches
from lti.platform.authorize import AuthorizationRefused, authorization_request, authorize
from lti.platform.identity import learner_from_launch, set_cookie, sign_in, signed_in
from lti.platform.inputs import CatalogueLaunchForm, CatalogueQuery, DeepLinkReturnForm
from lti.platform.pages import translator
from lti.platform.storage import stores as platform_stores
from lti.platform.tools import SERVICE_SCOPES, platform_urls
from lti.tool.storage import stores as tool_stores
from lti.tool.storage.contract import CatalogueEntry

log = logging.getLogger(__name__)
blueprint = Blueprint("lti_platform", __name__, url_prefix="/lti/platform",
                      template_folder="../templates")
well_known = Blueprint("lti_platform_well_known", __name__)


def refused(code: str, detail: str, status: int = 400):
    language = pick_language()
    log.warning("LTI platform request refused: %s (%s)", code, detail)
    t = translator(language)
    reason = t(f"reason.{code}")  # a reason said for people, when there is one
    return render_template("platform/refused.html", t=t, lang=language, code=code,
                           detail=detail if reason == f"reason.{code}" else reason), status


@blueprint.errorhandler(BadRequest)
def bad_request(exc: BadRequest):
    """A page's malformed query or form: a page naming the field, not the API's JSON."""
    return refused("bad_request", exc.message)


def tool_disabled(tool):
    return refused("tool_disabled", f"partner tool {tool.id} ({tool.name}) is disabled", 403)


@blueprint.get("/jwks")
def jwks():
    response = jsonify(public_jwks(platform_stores().lti_platform_keys))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@well_known.get("/.well-known/openid-configuration")
def openid_configuration():
    """OpenID Connect Discovery, with the LTI platform configuration (Dynamic
    Registration 1.0 §3.2) for tools that read it."""
    urls = platform_urls(current_settings().public_url)
    return jsonify({
        "issuer": urls["issuer"], "authorization_endpoint": urls["authorization_endpoint"],
        "token_endpoint": urls["token_endpoint"], "jwks_uri": urls["jwks_uri"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", *SERVICE_SCOPES.values()],
        "response_types_supported": ["id_token"], "response_modes_supported": ["form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["iss", "aud", "sub", "iat", "exp", "nonce", "name", "given_name",
                             "family_name", "email"],
        "https://purl.imsglobal.org/spec/lti-platform-configuration": {
            "product_family_code": "berpijar", "version": "1.0",
            "messages_supported": [{"type": "LtiResourceLinkRequest"},
                                   {"type": "LtiDeepLinkingRequest"}]},
    })


@blueprint.route("/auth", methods=["GET", "POST"])
def auth():
    """OIDC authorization endpoint (LTI Security Framework 1.0 §5.1.1.2-5.1.1.3)."""
    try:
        form = authorize(authorization_request(request.values))
    except AuthorizationRefused as exc:
        if exc.redirect_uri is None:  # never redirect to an unverified client or URI
            return refused(exc.error, exc.description, exc.status)
        log.warning("LTI platform authorization refused: %s (%s)", exc.error, exc.description)
        form = {"action": exc.redirect_uri,
                "fields": {"error": exc.error, "error_description": exc.description,
                           **({"state": exc.state} if exc.state else {})}}
    language = pick_language()
    response = render_template("platform/form_post.html", t=translator(language),
                               lang=language, **form)
    return response, 200, {"Cache-Control": "no-store"}


@blueprint.get("/catalogue")
def catalogue():
    """The hub's catalogue of partner activities; `?launch=<tool-role launch id>` signs
    the learner of that launch in first."""
    query = parse_query(CatalogueQuery, request.args)
    if query.launch:
        return _sign_in_from_launch(query.launch)
    person = signed_in()
    if person is None or person.kind != "learner":
        return refused("not_signed_in", "open the hub from your LMS first", 401)
    enabled = {t.id for t in platform_stores().lti_platform_tools.list_tools() if t.enabled}
    rows = []
    for placement in platform_stores().lti_platform_tools.list_placements():
        if placement.tool_id not in enabled:  # a disabled tool's activities are not offered
            continue
        entry = tool_stores().lti_catalogue.get_entry(placement.catalogue_id)
        if entry is not None:
            rows.append((entry, placement))
    language = pick_language()
    return render_template("platform/catalogue.html", t=translator(language), lang=language,
                           person=person, rows=rows)


def _sign_in_from_launch(launch_id: str):
    from lti.tool.adapters import PlatformDisabled
    from lti.tool.launch import Launch
    from lti.tool.session import restored_launch
    try:
        flow = restored_launch(launch_id)
    except PlatformDisabled as exc:
        return refused("platform_disabled", str(exc), 403)
    except Exception as exc:  # expired or unknown launch ids: pylti1p3 raises its own kinds
        if is_storage_unavailable(exc):
            raise
        return refused("launch_expired", str(exc) or type(exc).__name__, 401)
    launch = Launch(launch_id=launch_id, platform=flow.registration.platform,
                    claims=flow.get_launch_data())
    if launch.message_type != launches.RESOURCE_LINK:
        return refused("not_signed_in", "only a resource link launch signs a learner in", 401)
    person = learner_from_launch(launch)
    return set_cookie(redirect(url_for(".catalogue"), 303), person)


@blueprint.post("/launch/<catalogue_id>")
def launch_from_catalogue(catalogue_id: str):
    form = parse_query(CatalogueLaunchForm, request.form)
    person = signed_in()
    if person is None or person.kind != "learner":
        return refused("not_signed_in", "open the hub from your LMS first", 401)
    if form.csrf != person.csrf:
        return refused("csrf", "the form did not come from this catalogue page", 403)
    response = _launch_catalogue_entry(catalogue_id, person)
    if response is None:
        return refused("unknown_activity", f"no partner activity {catalogue_id!r}", 404)
    return response


def _launch_catalogue_entry(catalogue_id: str, person):
    """Launch `person` into a placed catalogue entry, in the catalogue's context; None
    when the entry is unknown or placed on no tool."""
    placement = platform_stores().lti_platform_tools.get_placement(catalogue_id)
    entry = tool_stores().lti_catalogue.get_entry(catalogue_id)
    tool = platform_stores().lti_platform_tools.get_tool(placement.tool_id) if placement else None
    if tool is None or entry is None:
        return None
    if not tool.enabled:
        return tool_disabled(tool)
    context = launches.catalogue_context()
    link = launches.resource_link(tool, entry, context)
    launches.default_line_item(tool, entry, link)
    return launches.start_launch(tool, person, context=context, link=link, placement=placement)


class LearnerCatalogue:
    """The tool role's PartnerCatalogue (lti.tool.learner): the landing page of an LMS
    launch lists the placed entries and opens one; the launch id in the page's URL
    stands for the learner, as on the catalogue page's `?launch=`."""

    def offered(self) -> list[CatalogueEntry]:
        tools = {t.id: t for t in platform_stores().lti_platform_tools.list_tools()}
        entries = [tool_stores().lti_catalogue.get_entry(p.catalogue_id)
                   for p in platform_stores().lti_platform_tools.list_placements()
                   if p.tool_id in tools and tools[p.tool_id].enabled]  # not disabled ones
        return sorted((e for e in entries if e is not None),
                      key=lambda e: (e.title.lower(), e.id))

    def open(self, entry_id: str, launch):
        person = learner_from_launch(launch)
        response = _launch_catalogue_entry(entry_id, person)
        # A refusal page comes as (body, status): made a response before the cookie is set.
        return set_cookie(make_response(response), person) if response is not None else None


def relay_launch(entry, launch):
    """The tool role's target launcher: a learner launched, from an LMS, a resource link
    deep-linked to `entry`; launch the partner tool the entry is placed on."""
    storage = platform_stores()
    placement = storage.lti_platform_tools.get_placement(entry.id)
    tool = storage.lti_platform_tools.get_tool(placement.tool_id) if placement else None
    if tool is None:
        return None  # not placed on a tool: the tool role shows what would be launched
    if not tool.enabled:
        return tool_disabled(tool)
    person = learner_from_launch(launch)
    context = (launches.lms_context(launch.platform.id, launch.context) if launch.context
               else launches.catalogue_context())
    link = launches.resource_link(tool, entry, context, lms_platform_id=launch.platform.id,
                                  lms_link_id=launch.resource_link["id"])
    launches.default_line_item(tool, entry, link)
    log.info("relaying LMS launch (iss=%s) to partner tool %s", launch.issuer, tool.id)
    response = launches.start_launch(tool, person, roles=launch.roles or [launches.LEARNER],
                                     context=context, link=link, placement=placement)
    return set_cookie(response, person)


@blueprint.get("/deep-link/<token>")
def deep_link_start(token: str):
    start = deep_linking.take_start(token)
    tool = (platform_stores().lti_platform_tools.get_tool(start["tool_id"])
            if start else None)
    if start is None or tool is None:
        return refused("unknown_link", "this content picker link is unknown or used", 404)
    if not tool.enabled:
        return tool_disabled(tool)
    admin = sign_in(kind="admin", issuer=launches.issuer(), subject=start["admin"],
                    name=start["name"])
    response = launches.start_launch(
        tool, admin, message_type=launches.DEEP_LINKING,
        target_link_uri=tool.deep_linking_url, roles=launches.ADMIN_ROLES,
        deep_link_data=deep_linking.new_picker_data(tool, admin))
    return set_cookie(response, admin)


@blueprint.post("/deep-link/return")
def deep_link_return():
    token = parse_query(DeepLinkReturnForm, request.form).JWT
    try:
        tool, claims = deep_linking.validate_response(token, signed_in())
    except deep_linking.DeepLinkRefused as exc:
        return refused(exc.code, exc.detail)
    outcome = deep_linking.accept_items(tool, claims)
    language = pick_language()
    return render_template("platform/deep_linked.html", t=translator(language), lang=language,
                           tool=tool, outcome=outcome, when=datetime.now(UTC))
