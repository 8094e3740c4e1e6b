"""forms serves every RPC that chairside.contracts.forms lists, under its name and with its
arguments: the gateway's pages and office routes are built against that list."""
import inspect
import re

import pytest

from chairside.contracts import forms as contract
from services.forms.service import FormsService

# "    save_draft(practice_id, patient_id, template_id, AnswersBody, filled_by_patient_id) -> Draft"
LISTED = re.compile(r"^    ([a-z_]+)\(([^)]*)\) -> ", re.MULTILINE)
RPCS = LISTED.findall(contract.__doc__)
# "[patient_id, ...]": a list of ids, served as `patient_ids`
LIST_OF = re.compile(r"\[([a-z_]+), \.\.\.\]")
# '{"calls": [FamilyFormsCall]}': a batch (chairside.batches), served as `calls`
BATCH_OF = re.compile(r'\{"([a-z_]+)": \[[A-Z][A-Za-z]*\]\}')


def test_the_contract_lists_the_rpcs():
    assert len(RPCS) == 19


@pytest.mark.parametrize("name, listed", RPCS, ids=[name for name, _ in RPCS])
def test_each_listed_rpc_is_served_with_its_arguments(name, listed):
    served = inspect.signature(getattr(FormsService, name))
    params = [param.name for param in served.parameters.values() if param.name != "self"]
    arguments = [argument.strip() for argument in BATCH_OF.sub(r"\1", LIST_OF.sub(r"\1s", listed)).split(",")]
    assert len(params) == len(arguments)
    for param, argument in zip(params, arguments):
        if argument[0].isupper():
            continue  # a schema's name (AnswersBody, SubmissionQuery): loaded from the argument
        assert param == argument
