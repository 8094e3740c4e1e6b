"""What balance_view_batch loads: 1 to chairside.batches.MAX_CALLS calls, each a balance_view
call by name (BalanceViewCall), anything else refused before billing reads a row."""
import pytest
from marshmallow import ValidationError

from chairside.batches import MAX_CALLS, calls_of
from chairside.contracts.billing import BalanceViewCall
from chairside.schemas import shared

CALL = {"practice_id": "p1", "patient_id": "m1"}


def load(calls):
    return shared(calls_of(BalanceViewCall)).load({"calls": calls})


def test_calls_load_as_the_arguments_of_balance_view():
    assert load([CALL, {**CALL, "patient_id": "m2"}]) == {"calls": [CALL, {**CALL, "patient_id": "m2"}]}
    assert load([CALL] * MAX_CALLS)["calls"] == [CALL] * MAX_CALLS


@pytest.mark.parametrize("calls, field", [
    ([], "calls"),
    ([CALL] * (MAX_CALLS + 1), "calls"),
    ([{**CALL, "patient_ids": ["m1"]}], "patient_ids"),
    ([{"practice_id": "p1"}], "patient_id"),
    ([{**CALL, "patient_id": "x" * 37}], "patient_id"),
    ([{**CALL, "practice_id": ""}], "practice_id"),
], ids=["no call", "too many calls", "an unknown field", "no patient", "a patient id too long",
        "an empty practice id"])
def test_a_batch_with_a_call_that_is_not_balance_view_is_refused(calls, field):
    with pytest.raises(ValidationError) as refused:
        load(calls)
    assert field in str(refused.value.messages)
