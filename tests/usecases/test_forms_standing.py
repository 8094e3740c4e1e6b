"""Outstanding and completed forms against a real database: due on the next appointment's day
in its time zone (today without one), never completed, expired by the appointment day, a new
version with and without renewal, the age range on the due day, another practice's rules, and a
family answered in the order asked."""
from datetime import datetime, timezone

import pytest

from chairside.refusals import NotFound
from tests.usecases.forms_world import consent


def reasons(answer):
    return [(form["title"], form["reason"]) for form in answer["outstanding"]]


def test_without_an_appointment_forms_are_due_today_in_the_clinic_s_zone(forms, clock):
    template = forms.required()
    clock.set(datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc))  # still the 22nd in New York
    answer = forms.forms_of()
    assert (answer["patient_id"], answer["patient"], answer["next_appointment"], answer["due_on"]) == \
        ("m1", "PMS-M", None, "2026-11-22")
    assert answer["outstanding"] == [{"template": template["id"], "title": "Financial policy", "version": 1,
                                      "reason": "never_completed"}]
    assert answer["completed"] == []


def test_a_patient_without_a_clinic_counts_today_in_the_practice_s_zone(forms, clock):
    forms.patient(patient_id="m1", external_id="PMS-M", first_name="Maria", last_name="Garcia", clinic_id=None,
                  version=2)
    clock.set(datetime(2026, 11, 23, 5, 30, tzinfo=timezone.utc))  # the 23rd in New York, the 22nd in Chicago
    assert forms.forms_of()["due_on"] == "2026-11-22"


def test_with_an_appointment_forms_are_due_on_its_day_in_its_zone(forms):
    forms.required()
    forms.appointment(start="2026-12-08T23:30:00-05:00")  # the 9th in UTC
    answer = forms.forms_of()
    assert answer["due_on"] == "2026-12-08"
    assert (answer["next_appointment"]["external_id"], answer["next_appointment"]["timezone"]) == \
        ("A-1", "America/New_York")


def test_a_submitted_form_is_completed_until_it_expires_by_the_appointment_day(forms, clock):
    template = forms.required(valid_months=12)
    submission = forms.completed(template["id"])
    forms.appointment(start="2027-11-21T09:30:00-05:00")
    answer = forms.forms_of()
    assert answer["outstanding"] == []
    assert answer["completed"] == [{"template": template["id"], "title": "Financial policy", "version": 1,
                                    "submission": submission, "submitted_at": clock.now().isoformat(),
                                    "valid_until": "2027-11-21"}]
    forms.appointment(start="2027-11-22T09:30:00-05:00")
    assert reasons(forms.forms_of()) == [("Financial policy", "expired")]


def test_a_new_version_asks_again_only_when_the_rule_renews(forms):
    template = forms.required()
    forms.completed(template["id"])
    forms.template(consent(extra=[{"linkId": "card", "type": "boolean", "text": "Card on file?"}]))
    kept = forms.forms_of()
    assert kept["outstanding"] == [] and kept["completed"][0]["version"] == 1
    forms.put_rule(template["id"], renew_on_new_version=True)
    assert forms.forms_of()["outstanding"] == [{"template": template["id"], "title": "Financial policy",
                                                "version": 2, "reason": "new_version"}]


def test_the_age_range_is_counted_on_the_due_day(forms):
    forms.required(max_age=9)                           # Sofia turns 10 on 10 December
    assert reasons(forms.forms_of("s1")) == [("Financial policy", "never_completed")]
    assert reasons(forms.forms_of("m1")) == []
    forms.appointment(patient="PMS-S", start="2026-12-10T09:00:00-05:00")
    assert forms.forms_of("s1")["outstanding"] == []


def test_another_practice_s_rules_and_submissions_do_not_count(forms):
    forms.template()
    theirs = forms.template(practice_id="p2")
    forms.put_rule(theirs["id"], practice_id="p2")
    answer = forms.forms_of()
    assert (answer["outstanding"], answer["completed"]) == ([], [])


def test_the_latest_submission_decides_and_counts_its_day_in_the_zone(forms, clock):
    template = forms.required(valid_months=1, renew_on_new_version=True)
    forms.template(consent(extra=[{"linkId": "card", "type": "boolean", "text": "Card on file?"}]))
    # 2026-10-23 in New York: valid through 2026-11-22, today
    forms.completed(template["id"], version=2, submitted_at=datetime(2026, 10, 24, 3, 0, tzinfo=timezone.utc))
    answer = forms.forms_of()
    assert answer["outstanding"] == [] and answer["completed"][0]["valid_until"] == "2026-11-22"
    forms.completed(template["id"], version=1, submitted_at=datetime(2026, 11, 1, tzinfo=timezone.utc))
    assert reasons(forms.forms_of()) == [("Financial policy", "new_version")]


def test_the_family_is_answered_in_the_order_asked(forms, clock):
    template = forms.required()
    forms.completed(template["id"], patient_id="s1")
    family = forms.family(["s1", "m1"])["members"]
    assert [(member["patient_id"], len(member["outstanding"]), len(member["completed"])) for member in family] == \
        [("s1", 0, 1), ("m1", 1, 0)]
    assert forms.family([]) == {"members": []}


@pytest.mark.parametrize("practice_id, patient_id", [("p1", "nobody"), ("p2", "m1")])
def test_a_patient_forms_has_not_received_is_not_synced_yet(forms, practice_id, patient_id):
    with pytest.raises(NotFound) as refused:
        forms.forms_of(patient_id, practice_id)
    assert refused.value.code == "NOT_SYNCED_YET"
    with pytest.raises(NotFound):
        forms.family(["m1", patient_id], practice_id)
