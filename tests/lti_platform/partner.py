"""A partner tool built with pylti1p3 (the tool-side library), independent of the hub:
its own RSA key and JWKS, OIDC login, launch validation, Deep Linking responses, and
AGS/NRPS calls through pylti1p3's own service classes.  Served on loopback by a real
HTTP server thread."""

from __future__ import annotations

import html
import json
import threading
from typing import Any

from flask import Flask, jsonify, request
from jwcrypto.jwk import JWK
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.tool_config import ToolConfDict
from werkzeug.serving import make_server

from tests.lti.lms import platform_key


class PartnerTool:
    """Register it at the hub with `registration()`, then `configure(...)` with what
    the hub issued."""

    __test__ = False

    def __init__(self, name: str = "Akademi Mitra") -> None:
        self.name = name
        self.key = platform_key(f"partner-{name}")
        self.conf: ToolConfDict | None = None
        self.launches: list[FlaskMessageLaunch] = []
        self.refusals: list[str] = []
        self.deep_link_items: list[DeepLinkResource] = []
        self._server = make_server("127.0.0.1", 0, self._wsgi(), threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(5)

    def registration(self, **overrides) -> dict[str, Any]:
        return {"name": self.name, "organisation": "PT Mitra Belajar",
                "login_url": self.url + "/login", "target_link_uri": self.url + "/launch",
                "redirect_uris": [self.url + "/launch"], "jwks_url": self.url + "/jwks",
                "deep_linking_url": self.url + "/launch?picker=1",
                "services": ["lineitem", "result.readonly", "score", "nrps"],
                "personal_data": ["name"], **overrides}

    def configure(self, hub_url: str, client_id: str, deployment_id: str) -> None:
        self.client_id = client_id
        conf = ToolConfDict({hub_url: [{
            "default": True, "client_id": client_id,
            "auth_login_url": hub_url + "/lti/platform/auth",
            "auth_token_url": hub_url + "/lti/platform/token",
            "key_set_url": hub_url + "/lti/platform/jwks", "deployment_ids": [deployment_id],
        }]})
        public = JWK.from_pem(self.key.pem.encode()).export_to_pem().decode()
        conf.set_private_key(hub_url, self.key.pem, client_id=client_id)
        conf.set_public_key(hub_url, public, client_id=client_id)
        self.conf = conf
        self.hub_url = hub_url

    @property
    def last(self) -> FlaskMessageLaunch:
        return self.launches[-1]

    def _wsgi(self) -> Flask:
        app = Flask("partner-tool")
        app.secret_key = "partner-secret"
        app.config["SESSION_COOKIE_NAME"] = "partner_session"
        tool = self

        @app.get("/jwks")
        def jwks():
            return jsonify(tool.conf.get_jwks() if tool.conf else {"keys": []})

        @app.route("/login", methods=["GET", "POST"])
        def login():
            oidc = FlaskOIDCLogin(FlaskRequest(), tool.conf)
            return oidc.redirect(request.values["target_link_uri"].split("?")[0])

        @app.post("/launch")
        def launch():
            if "error" in request.form:
                tool.refusals.append(request.form["error"])
                return f"refused: {request.form['error']}", 400
            message = FlaskMessageLaunch(FlaskRequest(), tool.conf)
            try:
                message.validate()
            except Exception as exc:  # the tool refuses: tests read why
                tool.refusals.append(str(exc))
                return f"invalid launch: {exc}", 400
            tool.launches.append(message)
            if message.is_deep_link_launch():
                token = message.get_deep_link().get_response_jwt(tool.deep_link_items)
                url = message.get_launch_data()[
                    "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"][
                    "deep_link_return_url"]
                return (f'<form method="post" action="{html.escape(url)}">'
                        f'<input type="hidden" name="JWT" value="{token}"></form>')
            return json.dumps({"sub": message.get_launch_data()["sub"]})

        return app
