"""Issue 13.7: proxy headers are believed only for HUB_PROXY_HOPS hops, by one rule in the
app (ProxyFix) and in gunicorn (which believes none itself)."""

from __future__ import annotations

import runpy
import signal
import subprocess
import sys
import time

import pytest
import requests
from flask import request, url_for
from gunicorn.config import Config
from test_gunicorn import ROOT, free_port, production_env, wait_for_health  # noqa: F401

from hub.app import create_app

FORGED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example",
          "X-Forwarded-For": "203.0.113.9"}


def probed_app(app_config, hops: int):
    app = create_app({**app_config, "proxy_hops": hops})

    @app.get("/_probe")
    def probe():
        return {"url": url_for("probe", _external=True), "secure": request.is_secure,
                "remote": request.remote_addr}

    return app


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_with_no_proxy_hops_forwarded_headers_change_nothing(app_config):
    app = probed_app(app_config, 0)
    client = app.test_client()
    seen = client.get("/_probe", headers=FORGED).get_json()
    assert seen == {"url": "http://localhost/_probe", "secure": False, "remote": "127.0.0.1"}
    cookie = client.get("/auditor/sign-in", headers=FORGED).headers["Set-Cookie"]
    assert "Secure" not in cookie
    app.extensions["hub.storage"].dispose()


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_with_one_proxy_hop_the_last_hop_is_believed(app_config):
    app = probed_app(app_config, 1)
    client = app.test_client()
    seen = client.get("/_probe", headers={
        **FORGED, "X-Forwarded-For": "198.51.100.1, 203.0.113.9"}).get_json()
    assert seen == {"url": "https://evil.example/_probe", "secure": True,
                    "remote": "203.0.113.9"}
    cookie = client.get("/auditor/sign-in", headers=FORGED).headers["Set-Cookie"]
    assert "Secure" in cookie
    app.extensions["hub.storage"].dispose()


def test_gunicorn_settings_believe_no_forwarded_header_from_any_peer():
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    for name in ("forwarded_allow_ips", "secure_scheme_headers", "forwarder_headers"):
        config.set(name, settings[name])
    assert config.forwarded_allow_ips == []
    assert config.forwarded_allow_networks() == []
    assert config.secure_scheme_headers == {}
    assert config.forwarder_headers == []


def _auditor_cookie_through_gunicorn(env: dict, hops: int, tmp_path) -> str:
    port = free_port()
    env = {**env, "HUB_PROXY_HOPS": str(hops), "HUB_WORKERS": "1",
           "HUB_BIND": f"127.0.0.1:{port}"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                               "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=(tmp_path / f"gunicorn-{hops}.stderr").open("w"))
    try:
        wait_for_health(f"http://127.0.0.1:{port}", server, time.monotonic() + 30)
        response = requests.get(f"http://127.0.0.1:{port}/auditor/sign-in",
                                headers=FORGED, timeout=5)
        assert response.status_code == 200
        return response.headers["Set-Cookie"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


@pytest.mark.slow
def test_gunicorn_with_no_proxy_hops_ignores_x_forwarded_proto(production_env, tmp_path):  # noqa: F811
    migrate = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                             cwd=ROOT, env=production_env, capture_output=True, text=True,
                             timeout=60)
    assert migrate.returncode == 0, migrate.stderr
    # From 127.0.0.1 gunicorn's defaults would have believed the header: a Secure cookie.
    assert "Secure" not in _auditor_cookie_through_gunicorn(production_env, 0, tmp_path)
    assert "Secure" in _auditor_cookie_through_gunicorn(production_env, 1, tmp_path)
