def test_about_lists_both_versions(client):
    response = client.get("/xapi/about")
    assert response.status_code == 200
    assert response.json["version"] == ["1.0.3", "2.0.0"]
    assert response.headers["X-Experience-API-Version"] == "2.0.0"


def test_health_reports_database(client, engine):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json["database"] == engine
