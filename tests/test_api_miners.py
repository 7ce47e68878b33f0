"""GET /api/v1/miners: masking by role, county scoping, filters, paging, errors."""
import pytest

from models import ApiToken, db
from tests.dashboard_helpers import make_miner, make_officers


@pytest.fixture
def tokens(app):
    officers = make_officers()
    issued = {key: ApiToken.issue(officer) for key, officer in officers.items()}
    db.session.commit()
    make_miner("+254711000001", "Akinyi Odhiambo", "Migori", "Macalder", days_ago=1)
    make_miner("+254711000002", "Barasa Wekesa", "Kakamega", "Rosterman")
    return issued


def get(client, token, query=""):
    return client.get("/api/v1/miners" + query, headers={"Authorization": f"Bearer {token}"})


def test_admin_sees_full_numbers_newest_first(client, tokens):
    body = get(client, tokens["admin"]).get_json()
    assert body["total"] == 2
    assert [(m["name"], m["phone"]) for m in body["items"]] == [
        ("Barasa Wekesa", "+254711000002"), ("Akinyi Odhiambo", "+254711000001")]


def test_others_see_masked_numbers_and_only_their_county(client, tokens):
    viewer = get(client, tokens["viewer"]).get_json()
    assert [m["phone"] for m in viewer["items"]] == ["+2547******02", "+2547******01"]
    county = get(client, tokens["county_officer"], "?county=Kakamega").get_json()
    assert county["total"] == 1 and county["items"][0]["county"] == "Migori"


def test_filters_and_paging(client, tokens):
    assert get(client, tokens["admin"], "?q=macal").get_json()["total"] == 1
    page = get(client, tokens["admin"], "?per_page=1&page=2").get_json()
    assert (page["total"], page["page"], [m["name"] for m in page["items"]]) == (2, 2, ["Akinyi Odhiambo"])
    response = get(client, tokens["admin"], "?page=two")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_paging"


def test_absurd_pages_are_refused_not_crashed(client, tokens):
    response = get(client, tokens["admin"], "?page=2305843009213693674")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_paging"
