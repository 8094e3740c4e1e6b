"""Form templates with the services as separate processes: a real-world FHIR R4 Questionnaire
is imported through the office API, listed, read in our form and exported as FHIR; the export
imports again as the same version, and what forms cannot keep is refused naming the item."""
import json
from pathlib import Path

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

pytestmark = pytest.mark.e2e

QUESTIONNAIRE = json.loads((Path(__file__).parents[1] / "data" / "medical_history_questionnaire.json").read_text())


def test_a_questionnaire_is_imported_listed_read_and_exported(running):
    _, office = running.new_practice("templates")
    templates = f"{office.url}/office/v1/form-templates"
    created = office.http.post(templates, json=QUESTIONNAIRE, timeout=30)
    assert created.status_code == 201, created.text
    template = created.json()
    assert (template["title"], template["version"], template["url"]) == ("Medical history", 1, QUESTIONNAIRE["url"])

    listed = office.get("/office/v1/form-templates")
    assert listed.json() == {"templates": [{key: template[key] for key in ("id", "url", "title", "version")}]}
    ours = office.get(f"/office/v1/form-templates/{template['id']}")
    assert ours.status_code == 200 and ours.json() == template
    assert [item["kind"] for item in template["items"]][:3] == ["display", "group", "single_choice"]

    exported = office.get(f"/office/v1/form-templates/{template['id']}/fhir")
    assert exported.status_code == 200, exported.text
    Questionnaire.model_validate(exported.json())
    again = office.http.post(templates, json=exported.json(), timeout=30)
    assert again.status_code == 201 and again.json() == template  # the same version: nothing published

    refused = office.http.post(templates, json={**QUESTIONNAIRE, "item": [{"linkId": "doc", "type": "reference"}]},
                               timeout=30)
    assert refused.status_code == 422 and refused.json()["error"] == "QUESTIONNAIRE_NOT_SUPPORTED"
    assert list(refused.json()["fields"]) == ["doc"]
