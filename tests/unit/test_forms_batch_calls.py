"""What family_forms_batch loads: 1 to chairside.batches.MAX_CALLS calls, each a family_forms
call by name (FamilyFormsCall), anything else refused before forms reads a row."""
import pytest
from marshmallow import ValidationError

from chairside.batches import MAX_CALLS, calls_of
from chairside.contracts.forms import FamilyFormsCall
from chairside.contracts.identity import MAX_RECORDED_READS
from chairside.schemas import shared

CALL = {"practice_id": "p1", "patient_ids": ["m1", "s1"], "practice_timezone": "America/Chicago"}


def load(calls):
    return shared(calls_of(FamilyFormsCall)).load({"calls": calls})


def test_calls_load_as_the_arguments_of_family_forms():
    assert load([CALL, {**CALL, "practice_id": "p2"}]) == {"calls": [CALL, {**CALL, "practice_id": "p2"}]}
    assert load([CALL] * MAX_CALLS)["calls"] == [CALL] * MAX_CALLS


@pytest.mark.parametrize("calls, field", [
    ([], "calls"),
    ([CALL] * (MAX_CALLS + 1), "calls"),
    ([{**CALL, "patient_id": "m1"}], "patient_id"),
    ([{**CALL, "practice_timezone": "Mars/Olympus_Mons"}], "practice_timezone"),
    ([{key: value for key, value in CALL.items() if key != "practice_timezone"}], "practice_timezone"),
    ([{**CALL, "patient_ids": []}], "patient_ids"),
    ([{**CALL, "patient_ids": ["m1"] * (MAX_RECORDED_READS + 1)}], "patient_ids"),
    ([{**CALL, "patient_ids": ["x" * 37]}], "patient_ids"),
    ([{**CALL, "practice_id": ""}], "practice_id"),
], ids=["no call", "too many calls", "an unknown field", "a bad time zone", "no time zone", "no patient",
        "more patients than a page shows", "a patient id too long", "an empty practice id"])
def test_a_batch_with_a_call_that_is_not_family_forms_is_refused(calls, field):
    with pytest.raises(ValidationError) as refused:
        load(calls)
    assert field in str(refused.value.messages)
