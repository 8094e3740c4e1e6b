"""Form templates against a real database: a Questionnaire with a template's url becomes its
next version, an identical one publishes nothing, another practice's url is its own, published
versions never change, and reads are of the practice's own templates."""
import copy
from datetime import timedelta
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from chairside.contracts.forms import QuestionnaireBody, Template, Templates
from chairside.refusals import NotFound, Unprocessable
from services.forms.models import FormTemplateVersion
from services.forms.usecases import templates

QUESTIONNAIRE = json.loads((Path(__file__).parents[1] / "data" / "medical_history_questionnaire.json").read_text())


def post(forms_db, questionnaire=QUESTIONNAIRE, practice_id="p1"):
    sent = QuestionnaireBody().load(copy.deepcopy(questionnaire))
    return forms_db.run(templates.import_template, practice_id, sent, answer=Template(), retry_on_race=True)


def changed(**changes):
    return {**QUESTIONNAIRE, **changes}


def test_a_questionnaire_becomes_a_template_at_version_1(forms_db, clock):
    answer = post(forms_db)
    assert (answer["title"], answer["version"], answer["url"]) == ("Medical history", 1, QUESTIONNAIRE["url"])
    assert answer["created_at"] == clock.now().isoformat()
    assert answer["items"][0] == {"link_id": "intro", "kind": "display", "text": QUESTIONNAIRE["item"][0]["text"],
                                  "prefix": None, "required": False, "number_type": None, "options": [],
                                  "open": False, "enable_when": [], "enable_behavior": None, "codes": [],
                                  "items": []}
    assert forms_db.run(templates.template, "p1", answer["id"], answer=Template(), read_only=True) == answer


def test_the_same_url_becomes_the_next_version_and_the_published_one_never_changes(forms_db):
    first = post(forms_db)
    second = post(forms_db, changed(title="Health history"))
    assert (second["id"], second["version"], second["title"]) == (first["id"], 2, "Health history")
    with forms_db.session() as session:
        v1 = session.get(FormTemplateVersion, (first["id"], 1))
        assert (v1.title, v1.items) == ("Medical history", first["items"])
    listed = forms_db.run(templates.templates, "p1", answer=Templates(), read_only=True)
    assert listed == {"templates": [{"id": first["id"], "url": QUESTIONNAIRE["url"], "title": "Health history",
                                     "version": 2}]}


def test_an_identical_questionnaire_publishes_no_new_version(forms_db, clock):
    first = post(forms_db)
    clock.advance(timedelta(minutes=5))
    again = post(forms_db, changed(publisher="Someone else", version="2024-04"))  # metadata is not the template
    assert again == first
    with forms_db.session() as session:
        assert len(session.scalars(select(FormTemplateVersion)).all()) == 1


def test_another_practice_s_url_is_its_own_template(forms_db):
    ours = post(forms_db)
    theirs = post(forms_db, practice_id="p2")
    assert theirs["id"] != ours["id"] and theirs["version"] == 1
    with pytest.raises(NotFound):
        forms_db.run(templates.template, "p2", ours["id"], answer=Template(), read_only=True)
    assert [t["id"] for t in forms_db.run(templates.templates, "p2", answer=Templates(), read_only=True)[
        "templates"]] == [theirs["id"]]


def test_questionnaires_without_url_are_separate_templates(forms_db):
    without = {key: value for key, value in QUESTIONNAIRE.items() if key != "url"}
    assert post(forms_db, without)["id"] != post(forms_db, without)["id"]


def test_a_refused_questionnaire_stores_nothing(forms_db):
    with pytest.raises(Unprocessable) as refused:
        post(forms_db, changed(item=[{"linkId": "doc", "type": "reference"}]))
    assert refused.value.fields == {"doc": ["Item type 'reference' is not supported."]}
    assert forms_db.run(templates.templates, "p1", answer=Templates(), read_only=True) == {"templates": []}


def test_the_fhir_export_imports_as_the_same_template(forms_db):
    first = post(forms_db)
    exported = forms_db.run(templates.template_fhir, "p1", first["id"], answer=QuestionnaireBody(), read_only=True)
    assert exported["version"] == "1" and exported["url"] == QUESTIONNAIRE["url"]
    assert post(forms_db, exported) == first
