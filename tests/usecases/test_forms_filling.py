"""Filling in required forms against a real database: the form at its current version with
its draft, drafts kept exactly as typed and replaced, a blank, partial or unsigned form refused
with the answers kept as the draft and nothing submitted, answers to a stale version refused
the same way, and a valid submission stored with its snapshot, announced, the draft gone and
the form completed; a dependent's form signed by the adult says so. Only a form a rule asks of
the patient can be filled in."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from chairside.contracts.forms import FORM_INCOMPLETE, TEMPLATE_CHANGED, TEMPLATE_NOT_FOUND
from chairside.refusals import Conflict, NotFound, Unprocessable
from services.forms.models import FormDraft, FormSubmission
from tests.usecases.forms_world import MEDICAL_HISTORY, PNG, SIGNED, consent


def draft_of(forms, template_id, patient_id="m1"):
    with forms.db.session() as session:
        return session.get(FormDraft, (patient_id, template_id))


def test_the_form_to_fill_is_the_current_version_without_a_draft(forms):
    template = forms.required()
    answer = forms.to_fill(template["id"])
    assert answer == {"patient_id": "m1", "patient_name": "Maria Garcia", "template": template, "draft": None}
    assert forms.to_fill(template["id"], patient_id="s1")["patient_name"] == "Sofia Garcia"


def test_a_form_no_rule_asks_of_the_patient_is_not_found(forms):
    unrequired = forms.template(consent("Privacy notice", url="http://example.org/q/privacy"))
    for_children = forms.required(max_age=15)
    theirs = forms.template(practice_id="p2")
    forms.put_rule(theirs["id"], practice_id="p2")
    for template_id, patient_id in ((unrequired["id"], "m1"), (for_children["id"], "m1"), (theirs["id"], "m1"),
                                    ("no-such-template", "m1")):
        for attempt in (lambda: forms.to_fill(template_id, patient_id),
                        lambda: forms.save(template_id, {"note": "hi"}, patient_id=patient_id),
                        lambda: forms.submit(template_id, patient_id=patient_id)):
            with pytest.raises(NotFound) as refused:
                attempt()
            assert refused.value.code == TEMPLATE_NOT_FOUND.code
    assert forms.to_fill(for_children["id"], patient_id="s1")["template"]["id"] == for_children["id"]
    assert forms.count(FormDraft) == 0 and forms.count(FormSubmission) == 0


def test_without_an_appointment_or_a_clinic_the_day_is_the_practice_s(forms, clock):
    """Tom turns 18 on 3 December 2026; at 03:00 UTC it is still the 2nd in Chicago (the
    practice's zone), so an adults' form is not his to fill yet; at 07:00 UTC it is."""
    forms.patient(patient_id="t1", external_id="PMS-T", first_name="Tom", last_name="Lee",
                  birthdate=date(2008, 12, 3), clinic_id=None)
    adults = forms.required(min_age=18)
    clock.set(datetime(2026, 12, 3, 3, 0, tzinfo=timezone.utc))
    with pytest.raises(NotFound):
        forms.to_fill(adults["id"], patient_id="t1")
    assert forms.forms_of("t1")["outstanding"] == []
    clock.set(datetime(2026, 12, 3, 7, 0, tzinfo=timezone.utc))
    assert forms.to_fill(adults["id"], patient_id="t1")["patient_name"] == "Tom Lee"
    assert [form["template"] for form in forms.forms_of("t1")["outstanding"]] == [adults["id"]]


def test_a_patient_forms_has_not_received_is_not_synced_yet(forms):
    template = forms.required()
    with pytest.raises(NotFound) as refused:
        forms.to_fill(template["id"], patient_id="nobody")
    assert refused.value.code == "NOT_SYNCED_YET"
    with pytest.raises(NotFound) as refused:
        forms.to_fill(template["id"], practice_id="p2")
    assert refused.value.code == "NOT_SYNCED_YET"


def test_a_draft_keeps_the_answers_as_typed_and_the_next_save_replaces_it(forms, clock):
    template = forms.required(consent(extra=[{"linkId": "since", "type": "date", "text": "Since when?"}]))
    first = forms.save(template["id"], {"agree": "yes", "since": "2026-1"})
    assert first == {"template": template["id"], "version": 1, "answers": {"agree": "yes", "since": "2026-1"},
                     "saved_at": clock.now().isoformat()}
    assert forms.to_fill(template["id"])["draft"] == first
    clock.advance(timedelta(minutes=3))
    second = forms.save(template["id"], {"note": "Cash only", "since": ["a", "b"]}, by="m1")
    assert second["answers"] == {"note": "Cash only", "since": ["a", "b"]}
    assert second["saved_at"] == clock.now().isoformat()
    assert forms.to_fill(template["id"])["draft"] == second and forms.count(FormDraft) == 1


def test_the_adult_s_draft_of_a_dependent_s_form_is_the_dependent_s(forms):
    template = forms.required()
    forms.save(template["id"], {"agree": "no"}, patient_id="s1", by="m1")
    assert forms.to_fill(template["id"], patient_id="s1")["draft"]["answers"] == {"agree": "no"}
    assert forms.to_fill(template["id"])["draft"] is None
    assert draft_of(forms, template["id"], "s1").filled_by_patient_id == "m1"


@pytest.mark.parametrize("answers, errors", [
    ({}, {"agree": ["Answer this question."], "sign": ["Sign here to agree."]}),
    ({"agree": "yes", "note": "  "}, {"sign": ["Sign here to agree."]}),
    ({"agree": "maybe", "sign": PNG}, {"agree": ["Choose yes or no."]}),
], ids=["blank", "unsigned", "not valid"])
def test_a_blank_partial_or_unsigned_form_is_refused_and_its_answers_kept_as_the_draft(forms, answers, errors):
    template = forms.required()
    with pytest.raises(Unprocessable) as refused:
        forms.submit(template["id"], answers)
    assert (refused.value.code, refused.value.fields) == (FORM_INCOMPLETE.code, errors)
    assert forms.to_fill(template["id"])["draft"]["answers"] == answers
    assert forms.count(FormSubmission) == 0 and forms.outbox("form_submitted") == []
    assert forms.forms_of()["outstanding"][0]["reason"] == "never_completed"


def test_answers_to_a_stale_version_are_refused_and_kept_as_the_draft(forms):
    template = forms.required()
    forms.save(template["id"], {"agree": "yes"})
    changed = forms.template(consent(extra=[{"linkId": "card", "type": "boolean", "text": "Card on file?"}]))
    with pytest.raises(Conflict) as refused:
        forms.submit(template["id"], SIGNED, version=1)
    assert refused.value.code == TEMPLATE_CHANGED.code
    draft = forms.to_fill(template["id"])
    assert (draft["template"]["version"], draft["draft"]["version"], draft["draft"]["answers"]) == (2, 1, SIGNED)
    assert forms.count(FormSubmission) == 0 and forms.outbox("form_submitted") == []
    assert forms.submit(template["id"], SIGNED, version=changed["version"])["version"] == 2


def test_a_valid_form_is_submitted_announced_and_completed_and_its_draft_deleted(forms, clock):
    template = forms.required()
    forms.save(template["id"], {"agree": "yes"})
    clock.advance(timedelta(minutes=1))
    answer = forms.submit(template["id"], SIGNED)
    with forms.db.session() as session:
        row = session.scalar(select(FormSubmission))
    assert {key: value for key, value in answer.items() if key not in ("items", "questionnaire_response")} == {
        "id": row.submission_id, "template": template["id"], "title": "Financial policy", "version": 1,
        "patient_id": "m1", "patient": "PMS-M", "patient_name": "Maria Garcia", "signer_patient_id": "m1",
        "signer": "PMS-M", "signer_name": "Maria Garcia", "signed": "Signed by Maria Garcia",
        "submitted_at": clock.now().isoformat(), "status": "new", "acknowledged_at": None,
        "answers": {"agree": True, "sign": PNG},  # the blank note is no answer
    }
    assert answer["items"] == template["items"]
    assert answer["questionnaire_response"]["id"] == row.submission_id
    [event] = forms.outbox("form_submitted")
    assert (event["source"], event["practice_id"]) == ("forms", "p1")
    assert event["data"] == {"submission_id": row.submission_id, "patient_id": "m1", "signer_patient_id": "m1",
                             "template_id": template["id"], "version": 1, "submitted_at": clock.now().isoformat()}
    assert forms.count(FormDraft) == 0 and forms.to_fill(template["id"])["draft"] is None
    standing = forms.forms_of()
    assert standing["outstanding"] == [] and standing["completed"][0]["submission"] == row.submission_id


def test_a_dependent_s_form_signed_by_the_adult_says_so(forms):
    template = forms.required()
    answer = forms.submit(template["id"], patient_id="s1", by="m1")
    assert (answer["patient_id"], answer["patient"], answer["signer_patient_id"], answer["signer"]) == \
        ("s1", "PMS-S", "m1", "PMS-M")
    assert answer["signed"] == "Signed by Maria Garcia for Sofia Garcia"
    assert forms.outbox("form_submitted")[0]["data"]["signer_patient_id"] == "m1"
    assert forms.forms_of("s1")["outstanding"] == [] and len(forms.forms_of("m1")["outstanding"]) == 1


def test_the_submission_keeps_the_version_it_answered_and_the_names_of_the_day(forms):
    template = forms.required()
    submitted = forms.submit(template["id"])
    forms.template(consent("Payment policy", extra=[{"linkId": "card", "type": "boolean", "text": "Card?"}]))
    forms.patient(patient_id="m1", external_id="PMS-M", first_name="Maria", last_name="Lopez", version=2)
    again = forms.submission(submitted["id"])
    assert (again["title"], again["version"], again["items"], again["patient_name"]) == \
        ("Financial policy", 1, template["items"], "Maria Garcia")


def test_a_whole_medical_history_is_refused_until_complete_and_its_hidden_answers_dropped(forms):
    template = forms.required(MEDICAL_HISTORY)
    partial = {"allergy": "yes", "cups": "two", "allergy-detail": "Penicillin"}
    with pytest.raises(Unprocessable) as refused:
        forms.submit(template["id"], partial)
    assert set(refused.value.fields) == {"smoking", "cups"}
    complete = {"smoking": "266919005", "allergy": "no", "allergy-detail": "Penicillin", "cups": "2",
                "weight": "72.5", "conditions": ["asthma"], "referral": "My dentist", "bedtime": "22:30",
                "last-visit": "2025-06-01", "heart-followup": "shown for heart disease or more than 5 cups"}
    answer = forms.submit(template["id"], complete)
    assert answer["answers"] == {"weight": "72.5", "cups": 2, "bedtime": "22:30:00", "last-visit": "2025-06-01",
                                 "smoking": "266919005", "conditions": ["asthma"], "allergy": False,
                                 "referral": "My dentist"}
