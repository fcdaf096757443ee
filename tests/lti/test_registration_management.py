"""Managing registered platforms (issue 14.5): edit, disable and enable them over the admin
API and the CLI; a disabled platform is refused at once, on every worker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lti.tool.registration import NewEntry, add_catalogue_entry
from tests.lti.test_grades import ETIKA, LINK, jobs, partner_result, push

PLATFORMS = "/api/admin/lti/platforms"


@pytest.fixture
def admin(make_credential) -> dict[str, str]:
    return {"Authorization": make_credential("admin")["Authorization"]}


def stored(app, platform_id: int):
    with app.app_context():
        return app.extensions["hub.storage"].lti_platforms.get_platform(platform_id)


# --- the admin API ---------------------------------------------------------------------
def test_admin_api_edits_the_fields_given_and_keeps_the_others(app, client, admin, registered):
    response = client.patch(f"{PLATFORMS}/{registered.id}", headers=admin, json={
        "name": "Moodle BKPSDM", "token_url": registered.token_url + "?v=2",
        "deployment_ids": ["dep-1", "dep-2"], "auth_audience": "https://lms.example/aud"})
    assert response.status_code == 200, response.data
    body = response.get_json()
    assert body["name"] == "Moodle BKPSDM" and body["token_url"].endswith("/token?v=2")
    assert body["deployment_ids"] == ["dep-1", "dep-2"] and body["enabled"] is True
    after = stored(app, registered.id)
    assert (after.issuer, after.client_id, after.jwks_url) == (
        registered.issuer, registered.client_id, registered.jwks_url)
    assert after.auth_audience == "https://lms.example/aud"
    assert set(after.deployment_ids) == {"dep-1", "dep-2"}
    cleared = client.patch(f"{PLATFORMS}/{registered.id}", headers=admin,
                           json={"auth_audience": None, "deployment_ids": ["dep-2"]})
    assert cleared.get_json()["auth_audience"] is None
    assert stored(app, registered.id).deployment_ids == ("dep-2",)
    assert client.get(f"{PLATFORMS}/{registered.id}", headers=admin).get_json()["name"] == \
        "Moodle BKPSDM"


@pytest.mark.parametrize(("change", "pointer"), [
    ({"jwks_url": "http://lms.example/jwks"}, "/jwks_url"),
    ({"auth_login_url": ""}, "/auth_login_url"),
    ({"client_id": "  "}, "/client_id"),
    ({"client_id": 7}, "/client_id"),
    ({"deployment_ids": ["ok", ""]}, "/deployment_ids/1"),
    ({"deployment_ids": "dep-1"}, "/deployment_ids"),
    ({"auth_audience": 5}, "/auth_audience"),
    ({"issuer": "https://other.example"}, "/issuer"),
    ({"secret": "x"}, "/secret"),
])
def test_admin_api_edit_is_validated_as_registration_and_changes_nothing_when_bad(
        app, client, admin, registered, change, pointer):
    response = client.patch(f"{PLATFORMS}/{registered.id}", headers=admin,
                            json={"name": "Renamed", **change})
    assert response.status_code == 400, response.data
    assert response.get_json()["error"]["pointer"] == pointer
    assert stored(app, registered.id) == registered


@pytest.mark.parametrize(("method", "path", "body"), [
    ("post", PLATFORMS, {"colour": "red"}),
    ("patch", PLATFORMS + "/{id}", {"name": "x", "colour": "red"}),
    ("post", PLATFORMS + "/{id}/deployments", {"deployment_id": "dep-9", "colour": "red"}),
    ("post", "/api/admin/lti/registration-invites", {"note": "x", "colour": "red"}),
    ("post", "/api/admin/lti/catalogue", {"id": "e", "title": "t", "activity_id": "a",
                                          "launch_url": "https://x.example", "colour": "red"}),
])
def test_admin_api_unknown_body_field_is_a_400_naming_it(client, admin, registered, method,
                                                         path, body):
    response = getattr(client, method)(path.format(id=registered.id), headers=admin,
                                       json=body)
    assert response.status_code == 400, response.data
    error = response.get_json()["error"]
    assert error["pointer"] == "/colour" and "colour" in error["message"]


@pytest.mark.parametrize("path", ["/api/admin/lti/catalogue?colour=red",
                                  "/api/admin/lti/grade-jobs?colour=red",
                                  "/api/admin/lti/grade-jobs?status=done&status=failed",
                                  "/api/admin/lti/grade-jobs?status=lost"])
def test_admin_api_bad_query_parameter_is_a_400_naming_it(client, admin, path):
    response = client.get(path, headers=admin)
    assert response.status_code == 400, response.data
    error = response.get_json()["error"]
    name = "status" if "status" in path else "colour"
    assert error["parameter"] == name and name in error["message"]


@pytest.mark.parametrize(("change", "pointer"), [
    ({"deployment_id": ""}, "/deployment_id"),
    ({"deployment_id": 3}, "/deployment_id"),
])
def test_admin_api_adding_a_deployment_is_validated(client, admin, registered, change,
                                                    pointer):
    response = client.post(f"{PLATFORMS}/{registered.id}/deployments", headers=admin,
                           json=change)
    assert response.status_code == 400 and response.get_json()["error"]["pointer"] == pointer


def test_admin_api_edit_to_another_registrations_client_id_is_a_conflict(
        app, client, admin, registered, platform):
    other = client.post(PLATFORMS, headers=admin,
                        json=platform.registration(client_id="second")).get_json()
    response = client.patch(f"{PLATFORMS}/{other['id']}", headers=admin,
                            json={"client_id": registered.client_id})
    assert response.status_code == 409
    assert stored(app, other["id"]).client_id == "second"


def test_admin_api_unknown_platform_is_404_json(client, admin):
    for method, path in (("patch", f"{PLATFORMS}/99"), ("post", f"{PLATFORMS}/99/disable"),
                         ("post", f"{PLATFORMS}/99/enable"), ("get", f"{PLATFORMS}/99")):
        response = getattr(client, method)(path, headers=admin,
                                           json={"name": "x"} if method == "patch" else None)
        assert response.status_code == 404, (method, path)
        assert response.get_json()["error"]["code"] == "not_found"


def test_admin_api_management_needs_the_admin_scope(client, make_credential, registered):
    partner = {"Authorization": make_credential("all")["Authorization"]}
    assert client.patch(f"{PLATFORMS}/{registered.id}", headers=partner,
                        json={"name": "x"}).status_code == 403
    assert client.post(f"{PLATFORMS}/{registered.id}/disable",
                       headers=partner).status_code == 403
    assert client.post(f"{PLATFORMS}/{registered.id}/disable").status_code == 401


def test_admin_api_disables_and_enables_and_lists_the_state(app, client, admin, registered):
    disabled = client.post(f"{PLATFORMS}/{registered.id}/disable", headers=admin)
    assert disabled.status_code == 200
    assert disabled.get_json()["enabled"] is False and disabled.get_json()["disabled_at"]
    [listed] = client.get(PLATFORMS, headers=admin).get_json()["platforms"]
    assert listed["enabled"] is False
    assert not stored(app, registered.id).enabled
    enabled = client.post(f"{PLATFORMS}/{registered.id}/enable", headers=admin)
    assert enabled.get_json()["enabled"] is True and enabled.get_json()["disabled_at"] is None
    assert stored(app, registered.id).enabled


# --- the CLI -----------------------------------------------------------------------------
def test_cli_listing_says_when_no_platform_is_registered(runner):
    result = runner.invoke(args=["lti", "platforms"])
    assert result.exit_code == 0
    assert result.output.startswith("No platforms registered. Register one with: ")
    assert "lti register --issuer" in result.output


def test_cli_edits_a_platform(app, runner, registered):
    result = runner.invoke(args=["lti", "platform-edit", str(registered.id), "--name",
                                 "Moodle Kota", "--deployment-id", "dep-1",
                                 "--deployment-id", "dep-3", "--audience", "https://aud"])
    assert result.exit_code == 0, result.output
    assert "Moodle Kota" in result.output and "dep-1, dep-3" in result.output
    after = stored(app, registered.id)
    assert (after.name, after.auth_audience, set(after.deployment_ids)) == (
        "Moodle Kota", "https://aud", {"dep-1", "dep-3"})
    runner.invoke(args=["lti", "platform-edit", str(registered.id), "--clear-audience"])
    assert stored(app, registered.id).auth_audience is None


def test_cli_edit_is_validated_and_names_the_option(app, runner, registered):
    bad = runner.invoke(args=["lti", "platform-edit", str(registered.id), "--jwks-url",
                              "http://lms.example/jwks"])
    assert bad.exit_code != 0 and "--jwks-url" in bad.output and "https" in bad.output
    assert stored(app, registered.id) == registered
    nothing = runner.invoke(args=["lti", "platform-edit", str(registered.id)])
    assert nothing.exit_code != 0 and "nothing to change" in nothing.output
    unknown = runner.invoke(args=["lti", "platform-edit", "99", "--name", "x"])
    assert unknown.exit_code != 0 and "no LTI platform 99" in unknown.output


def test_cli_disables_and_enables_and_the_listing_shows_it(app, runner, registered):
    result = runner.invoke(args=["lti", "platform-disable", str(registered.id)])
    assert result.exit_code == 0 and "DISABLED since" in result.output
    assert "DISABLED since" in runner.invoke(args=["lti", "platforms"]).output
    assert not stored(app, registered.id).enabled
    result = runner.invoke(args=["lti", "platform-enable", str(registered.id)])
    assert result.exit_code == 0 and "is enabled" in result.output
    assert runner.invoke(args=["lti", "platforms"]).output.rstrip().endswith("enabled")
    assert runner.invoke(args=["lti", "platform-disable", "99"]).exit_code != 0


# --- enforcement: refused at once, on every worker ---------------------------------------
def assert_disabled_page(response, *, english: bool = False) -> None:
    assert response.status_code == 403, response.data[:300]
    page = response.get_data(as_text=True)
    assert 'data-reason="platform_disabled"' in page
    if english:
        assert "Launch refused" in page and "disabled by the Berpijar administrator" in page
    else:
        assert "Peluncuran ditolak" in page and "dinonaktifkan oleh admin Berpijar" in page


def test_a_disabled_platform_cannot_log_in_and_is_told_why(client, admin, registered, browser,
                                                           log_lines):
    client.post(f"{PLATFORMS}/{registered.id}/disable", headers=admin)
    assert_disabled_page(browser.login())
    assert_disabled_page(browser.login(headers={"Accept-Language": "en"}), english=True)
    assert "LTI request rejected: platform_disabled" in log_lines.getvalue()


def test_a_launch_begun_before_the_disable_is_refused(runner, browser, registered):
    form = browser.authorize()  # the OIDC login passed while the platform was enabled
    runner.invoke(args=["lti", "platform-disable", str(registered.id)])
    assert_disabled_page(browser.client.post("/lti/launch", data=form))


def test_pages_of_an_earlier_launch_are_refused_once_disabled(runner, browser, registered):
    progress = browser.follow(browser.launch())
    assert progress.status_code == 200
    runner.invoke(args=["lti", "platform-disable", str(registered.id)])
    assert_disabled_page(browser.client.get(progress.request.path))


def test_an_enabled_again_platform_launches_again(client, admin, browser, registered):
    client.post(f"{PLATFORMS}/{registered.id}/disable", headers=admin)
    assert browser.login().status_code == 403
    client.post(f"{PLATFORMS}/{registered.id}/enable", headers=admin)
    assert browser.launch().status_code == 303


def test_another_client_of_the_same_issuer_still_launches(runner, browser, registered):
    platform = browser.platform
    runner.invoke(args=["lti", "register", "--issuer", platform.issuer, "--client-id",
                        "second-client", "--auth-login-url", platform.url + "/auth?tenant=Bkpsdm",
                        "--token-url", platform.url + "/token", "--jwks-url",
                        platform.url + "/jwks", "--deployment-id", "dep-9"])
    runner.invoke(args=["lti", "platform-disable", str(registered.id)])
    platform.client_id, platform.deployment_id = "second-client", "dep-9"
    assert browser.launch().status_code == 303


def test_a_disable_on_one_worker_holds_at_once_on_another(app, app_config, browser,
                                                          registered):
    from hub.app import create_app

    other = create_app(app_config)  # a second worker process on the same database
    try:
        assert browser.launch().status_code == 303  # this worker has served the platform
        result = other.test_cli_runner().invoke(args=["lti", "platform-disable",
                                                      str(registered.id)])
        assert result.exit_code == 0, result.output
        assert_disabled_page(browser.login())
        other.test_cli_runner().invoke(args=["lti", "platform-enable", str(registered.id)])
        assert browser.launch().status_code == 303
    finally:
        other.extensions["hub.storage"].dispose()


def test_grades_for_a_disabled_platform_wait_and_go_once_enabled(
        app, client, xapi, runner, registered, browser):
    with app.app_context():
        add_catalogue_entry(app.extensions["hub.storage"].lti_catalogue, NewEntry(
            id="etika-asn", title="Etika ASN", activity_id=ETIKA,
            launch_url="https://partner.example/launch/etika", graded=True,
            score_maximum=50))
    assert browser.launch(claims=LINK).status_code == 303
    runner.invoke(args=["lti", "platform-disable", str(registered.id)])
    partner_result(client, xapi, browser.platform, {"score": {"scaled": 0.8}})
    report = push(app)
    assert (report.sent, report.retrying) == (0, 1)
    [job] = jobs(app)
    assert job.status == "pending" and "is disabled" in job.last_error
    assert browser.platform.scores == []
    runner.invoke(args=["lti", "platform-enable", str(registered.id)])
    assert push(app, job.next_attempt_at + timedelta(seconds=1)).sent == 1
    assert [s["scoreGiven"] for s in browser.platform.scores] == [40.0]


def test_roster_sync_of_a_disabled_platform_is_refused(runner, registered):
    runner.invoke(args=["lti", "platform-disable", str(registered.id)])
    result = runner.invoke(args=["lti", "roster-sync", str(registered.id), "course-1"])
    assert result.exit_code != 0 and "disabled" in result.output
