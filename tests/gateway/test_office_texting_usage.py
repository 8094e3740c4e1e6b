"""GET /office/v1/texting/usage: sms's usage per clinic and month, clinics named by their
external ids; a malformed month is refused at the edge (422) before sms is asked."""
import pytest

from chairside.contracts.sms import UsageMonth
from chairside.refusals import RULE_BROKEN
from services.gateway.http import OPERATIONS
from services.gateway.openapi import document
from tests.gateway.conftest import PRACTICE

MAIN = {"clinic_id": "c-1", "clinic": "main", "name": "Main Street", "default": True, "subscribed": True,
        "number": "+15555550100", "country": "US", "sent": 3, "sent_charges_usd": "0.0237", "received": 1,
        "received_charges_usd": "0.0079"}
NORTH = {"clinic_id": "c-2", "clinic": "north", "name": "North", "default": False, "subscribed": False,
         "number": None, "country": "CA", "sent": 0, "sent_charges_usd": "0", "received": 0,
         "received_charges_usd": "0"}
USAGE = {"month": "2026-11", "monthly_limit_usd": "50.00", "total_charges_usd": "0.0316", "clinics": [MAIN, NORTH]}


def without_clinic_id(line):
    return {name: value for name, value in line.items() if name != "clinic_id"}


def test_the_months_usage_per_clinic_named_by_external_ids(gateway, office):
    gateway.sms.texting_usage.return_value = USAGE
    response = office.get("/office/v1/texting/usage?month=2026-11")
    assert response.status_code == 200, response.text
    assert response.json() == {**USAGE, "clinics": [without_clinic_id(MAIN), without_clinic_id(NORTH)]}
    gateway.sms.texting_usage.assert_called_once_with(PRACTICE["id"], "2026-11")
    assert response.headers["Cache-Control"] == "no-store"


def test_without_a_month_sms_answers_the_practices_current_month(gateway, office):
    gateway.sms.texting_usage.return_value = {**USAGE, "monthly_limit_usd": None, "clinics": []}
    response = office.get("/office/v1/texting/usage")
    assert response.status_code == 200, response.text
    assert response.json() == {"month": "2026-11", "monthly_limit_usd": None, "total_charges_usd": "0.0316",
                               "clinics": []}
    gateway.sms.texting_usage.assert_called_once_with(PRACTICE["id"], None)


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-1", "2026/11", "november", "", "2026-11-01",
                                   "0000-05", "２０２６-11"])
def test_a_malformed_month_is_refused_in_words_before_sms_is_asked(gateway, office, month):
    response = office.get("/office/v1/texting/usage", params={"month": month})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == RULE_BROKEN.code
    assert body["fields"] == {"month": [f"{month!r} is not a month: write YYYY-MM, such as 2026-03, "
                                        f"with a month from 01 to 12."]}
    gateway.sms.texting_usage.assert_not_called()


def test_a_month_sms_refuses_is_a_422_too(gateway, office):
    gateway.sms.texting_usage.side_effect = RULE_BROKEN(fields={"month": ["Not a month."]})
    response = office.get("/office/v1/texting/usage?month=2026-11")
    assert response.status_code == 422 and response.json()["fields"] == {"month": ["Not a month."]}


def test_other_query_parameters_are_ignored_like_on_every_read(gateway, office):
    gateway.sms.texting_usage.return_value = USAGE
    assert office.get("/office/v1/texting/usage?month=2026-11&page=2").status_code == 200
    gateway.sms.texting_usage.assert_called_once_with(PRACTICE["id"], "2026-11")


def test_without_the_office_key_nothing_is_read(gateway, web_session):
    response = web_session.get("/office/v1/texting/usage?month=2026-11")
    assert response.status_code == 401
    gateway.sms.texting_usage.assert_not_called()


def test_the_document_describes_the_month_its_answer_and_its_422():
    operation = next(op for op in OPERATIONS if op.name == "get_texting_usage")
    assert operation.query is UsageMonth
    described = document()["paths"]["/office/v1/texting/usage"]["get"]
    assert [parameter["name"] for parameter in described["parameters"] if parameter["in"] == "query"] == ["month"]
    assert {"200", "422"} <= set(described["responses"])
