"""A test LMS: its own RSA keys and JWKS, an OIDC authorization endpoint that signs its
own id_tokens, an OAuth2 token endpoint, AGS and NRPS services and Dynamic Registration,
served by a real HTTP server thread on loopback.  Nothing in pylti1p3 is mocked."""

from __future__ import annotations

import html
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, jsonify, request
from jwcrypto.jwk import JWK
from werkzeug.serving import make_server

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_SCOPES = ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
              "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
              "https://purl.imsglobal.org/spec/lti-ags/scope/score"]
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


@dataclass(frozen=True)
class PlatformKey:
    kid: str
    pem: str
    jwk: dict


@cache
def platform_key(kid: str) -> PlatformKey:
    """RSA keys are slow to make: one per kid for the whole test session."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = json.loads(JWK.from_pem(pem.encode()).export_public())
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return PlatformKey(kid, pem, public)


@dataclass
class NextLaunch:
    """What the authorization endpoint signs for the next login."""

    claims: dict[str, Any] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    header: dict[str, Any] = field(default_factory=dict)
    sign: Callable[[dict, dict], str] | None = None  # custom signer (alg none, HS256)
    key: PlatformKey | None = None


class TestPlatform:
    __test__ = False

    def __init__(self, client_id: str = "hub-client", deployment_id: str = "dep-1") -> None:
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.keys = [platform_key("platform-key-1")]
        self.signing = self.keys[0]
        self.tool_jwks: Callable[[], dict] = lambda: {"keys": []}
        self.next = NextLaunch()
        self.jwks_fetches = 0
        self.scores: list[dict] = []
        self.line_items: dict[str, dict] = {}
        self.members: dict[str, list[dict]] = {}
        self.ags_down = False
        self.token_requests: list[dict] = []
        self.registration_token = "reg-token-123"
        self.registrations: list[dict] = []
        self.auth_requests: list[dict] = []
        self.service_requests: list[dict] = []  # AGS/NRPS calls: method, path, headers
        self.deep_link_responses: list[str] = []  # JWTs posted to the return URL
        self.links: dict[str, dict] = {}  # resource links made from deep linking responses
        self._server = make_server("127.0.0.1", 0, self._wsgi(), threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.issuer = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(5)

    # --- registration values ---------------------------------------------------------
    def registration(self, **overrides) -> dict[str, Any]:
        return {"issuer": self.issuer, "client_id": self.client_id, "name": "Test LMS",
                "auth_login_url": self.url + "/auth?tenant=Bkpsdm", "token_url":
                self.url + "/token", "jwks_url": self.url + "/jwks",
                "deployment_ids": [self.deployment_id], **overrides}

    def add_link(self, item: dict[str, Any], context_id: str = "course-1") -> dict:
        link = {"id": f"dl-link-{len(self.links) + 1}", "title": item.get("title"),
                "url": item.get("url"), "custom": item.get("custom") or {}}
        if isinstance(item.get("lineItem"), dict):
            item_id = f"{self.url}/ags/{context_id}/lineitems/{len(self.line_items) + 1}"
            self.line_items[item_id] = {**item["lineItem"], "id": item_id,
                                        "resourceLinkId": link["id"]}
            link["lineitem"] = item_id
        self.links[link["id"]] = link
        return link

    def link_claims(self, link_id: str, context_id: str = "course-1") -> dict[str, Any]:
        """The claims a launch of a deep-linked resource link carries."""
        link = self.links[link_id]
        claims: dict[str, Any] = {
            CLAIM + "resource_link": {"id": link["id"], "title": link["title"]},
            CLAIM + "custom": link["custom"], CLAIM + "target_link_uri": link["url"]}
        if link.get("lineitem"):
            claims[AGS_CLAIM] = {"scope": AGS_SCOPES, "lineitem": link["lineitem"],
                                 "lineitems": f"{self.url}/ags/{context_id}/lineitems"}
        return claims

    def rotate_keys(self) -> PlatformKey:
        new = platform_key("platform-key-2")
        self.keys.append(new)
        self.signing = new
        return new

    # --- launches ------------------------------------------------------------------------
    def claims(self, nonce: str, message_type: str = "LtiResourceLinkRequest",
               context_id: str | None = "course-1") -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": self.client_id, "sub": "learner-1",
            "iat": now, "exp": now + 300, "nonce": nonce,
            "name": "Siti Rahma", "email": "siti@example.go.id",
            CLAIM + "message_type": message_type, CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": "https://hub.example/lti/launch",
            CLAIM + "roles": [LEARNER],
            CLAIM + "tool_platform": {"guid": "lms-1", "name": "Moodle", "version": "4.3"},
        }
        if context_id:
            claims[CLAIM + "context"] = {"id": context_id, "label": "ASN-101",
                                         "title": "Orientasi ASN"}
            claims[NRPS_CLAIM] = {"context_memberships_url":
                                  f"{self.url}/nrps/{context_id}",
                                  "service_versions": ["2.0"]}
            claims[AGS_CLAIM] = {"scope": AGS_SCOPES,
                                 "lineitems": f"{self.url}/ags/{context_id}/lineitems"}
        if message_type == "LtiResourceLinkRequest":
            claims[CLAIM + "resource_link"] = {"id": "link-1", "title": "Modul 1"}
        else:
            claims[DL_SETTINGS] = {"deep_link_return_url": self.url + "/deep-link-return",
                                   "accept_types": ["ltiResourceLink"],
                                   "accept_presentation_document_targets": ["iframe"],
                                   "accept_multiple": True, "data": "opaque-123"}
        return claims

    def sign(self, claims: dict, header: dict | None = None,
             key: PlatformKey | None = None) -> str:
        key = key or self.signing
        return jwt.encode(claims, key.pem, algorithm="RS256",
                          headers={"kid": key.kid, **(header or {})})

    def _id_token(self, nonce: str) -> str:
        spec = self.next
        message_type = spec.claims.get(CLAIM + "message_type", "LtiResourceLinkRequest")
        context_id = spec.claims.pop("_context_id", "course-1")
        claims = {**self.claims(nonce, message_type, context_id), **spec.claims}
        for name in spec.remove:
            claims.pop(name, None)
        if spec.sign:
            return spec.sign(claims, spec.header)
        return self.sign(claims, spec.header, spec.key)

    # --- the HTTP side -------------------------------------------------------------------
    def _bearer_scopes(self) -> set[str]:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        for issued in self.token_requests:
            if issued["access_token"] == token:
                return set(issued["scope"].split())
        return set()

    def _wsgi(self) -> Flask:
        app = Flask("test-platform")
        platform = self

        @app.before_request
        def record_service_request():
            if request.path.startswith(("/ags/", "/nrps/")):
                platform.service_requests.append({
                    "method": request.method, "path": request.path,
                    "accept": request.headers.get("Accept", ""),
                    "content_type": request.headers.get("Content-Type", ""),
                    "scopes": platform._bearer_scopes()})

        @app.post("/deep-link-return")
        def deep_link_return():
            """As an LMS does with a Deep Linking response: verify it with the tool's JWKS
            and make a resource link (and a gradebook column) per ltiResourceLink item."""
            token = request.form.get("JWT", "")
            platform.deep_link_responses.append(token)
            keys = {k["kid"]: k for k in platform.tool_jwks()["keys"]}
            kid = jwt.get_unverified_header(token).get("kid")
            if kid not in keys:
                return "unknown kid", 400
            claims = jwt.decode(token, JWK(**keys[kid]).export_to_pem(), algorithms=["RS256"],
                                audience=platform.issuer)
            for item in claims.get(DL_CLAIM + "content_items", []):
                platform.add_link(item)
            return "links added", 200

        @app.get("/jwks")
        def jwks():
            platform.jwks_fetches += 1
            return jsonify({"keys": [k.jwk for k in platform.keys]})

        @app.get("/auth")
        def auth():
            args = request.args.to_dict()
            platform.auth_requests.append(args)
            assert args.get("tenant") == "Bkpsdm", "the login URL's own query was lost"
            if args.get("client_id") != platform.client_id or args.get("scope") != "openid":
                return Response("bad client", 400)
            token = platform._id_token(args["nonce"])
            return Response(
                f'<form method="post" action="{html.escape(args["redirect_uri"])}">'
                f'<input type="hidden" name="id_token" value="{token}">'
                f'<input type="hidden" name="state" value="{html.escape(args["state"])}">'
                "</form>", content_type="text/html")

        @app.post("/token")
        def token():
            assertion = request.form.get("client_assertion", "")
            header = jwt.get_unverified_header(assertion)
            keys = {k["kid"]: k for k in platform.tool_jwks()["keys"]}
            if header.get("kid") not in keys:
                return jsonify({"error": "invalid_client"}), 401
            public = JWK(**keys[header["kid"]]).export_to_pem()
            try:
                claims = jwt.decode(assertion, public, algorithms=["RS256"],
                                    audience=platform.url + "/token")
            except jwt.InvalidTokenError as exc:
                return jsonify({"error": "invalid_client", "detail": str(exc)}), 401
            if claims["iss"] != platform.client_id or claims["sub"] != platform.client_id:
                return jsonify({"error": "invalid_client"}), 401
            issued = {"access_token": uuid.uuid4().hex, "token_type": "Bearer",
                      "expires_in": 3600, "scope": request.form.get("scope", "")}
            platform.token_requests.append(issued)
            return jsonify(issued)

        @app.get("/nrps/<context_id>")
        def memberships(context_id: str):
            if "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly" \
                    not in platform._bearer_scopes():
                return jsonify({"error": "forbidden"}), 403
            members = platform.members.get(context_id, [])
            cursor = request.args.get("Cursor")
            pages = [members[i:i + 2] for i in range(0, len(members), 2)] or [[]]
            # Case-sensitive page tokens: "PaGe1" works, a lower-cased "page1" does not.
            names = [f"PaGe{i}" for i in range(len(pages))]
            if cursor is not None and cursor not in names:
                return jsonify({"error": f"unknown cursor {cursor}"}), 400
            index = names.index(cursor) if cursor else 0
            response = jsonify({"id": request.url, "context": {"id": context_id},
                                "members": pages[index]})
            if index + 1 < len(pages):
                response.headers["Link"] = (f'<{platform.url}/nrps/{context_id}?Cursor='
                                            f'{names[index + 1]}>; rel="next"')
            return response

        @app.route("/ags/<context_id>/lineitems", methods=["GET", "POST"])
        def line_items(context_id: str):
            if request.method == "POST":
                item = json.loads(request.data)
                number = len(platform.line_items) + 1
                item_id = f"{platform.url}/ags/{context_id}/lineitems/{number}"
                item["id"] = item_id
                platform.line_items[item_id] = item
                return jsonify(item), 201
            return jsonify([i for i in platform.line_items.values()
                            if i["id"].startswith(f"{platform.url}/ags/{context_id}/")])

        @app.post("/ags/<context_id>/lineitems/<item>/scores")
        def scores(context_id: str, item: str):
            if platform.ags_down:
                return jsonify({"error": "maintenance"}), 503
            if "https://purl.imsglobal.org/spec/lti-ags/scope/score" \
                    not in platform._bearer_scopes():
                return jsonify({"error": "forbidden"}), 403
            assert request.content_type == "application/vnd.ims.lis.v1.score+json"
            platform.scores.append({"line_item": request.base_url.rsplit("/scores", 1)[0],
                                    **json.loads(request.data)})
            return "", 204

        @app.get("/.well-known/openid-configuration")
        def openid_configuration():
            if request.headers.get("Authorization") != f"Bearer {platform.registration_token}":
                return jsonify({"error": "unauthorized"}), 401
            return jsonify({
                "issuer": platform.issuer,
                "authorization_endpoint": platform.url + "/auth?tenant=Bkpsdm",
                "token_endpoint": platform.url + "/token",
                "jwks_uri": platform.url + "/jwks",
                "registration_endpoint": platform.url + "/register",
                "scopes_supported": ["openid", *AGS_SCOPES],
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                    "product_family_code": "moodle", "version": "4.3",
                    "messages_supported": [{"type": "LtiResourceLinkRequest"},
                                           {"type": "LtiDeepLinkingRequest"}]},
            })

        @app.post("/register")
        def register():
            if request.headers.get("Authorization") != f"Bearer {platform.registration_token}":
                return jsonify({"error": "unauthorized"}), 401
            body = request.get_json()
            platform.registrations.append(body)
            tool = dict(body["https://purl.imsglobal.org/spec/lti-tool-configuration"])
            tool["deployment_id"] = "dr-deployment"
            return jsonify({**body, "client_id": "dr-client",
                            "https://purl.imsglobal.org/spec/lti-tool-configuration": tool})

        return app


def auto_post_form(page: str) -> dict[str, str]:
    """The hidden inputs of an auto-posting form page."""
    return {m.group(1): html.unescape(m.group(2)) for m in
            re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)}
