"""identity serves every RPC that chairside.contracts.staff lists, under its name and with
its arguments: the console is built against that list."""
import ast
import inspect
import re

import pytest

from chairside.contracts import staff as contract
from services.identity.service import IdentityService

# "    disable_staff(practice_id, staff_id, acting_staff_id) -> Staff     every session ends at once"
LISTED = re.compile(r"^    ([a-z_]+)\(([^)]*)\) -> ", re.MULTILINE)
RPCS = LISTED.findall(contract.__doc__)
# identity's entrypoints name a PMS id `key` (service.external_id loads it), positionally the same
SERVED_AS = {"external_id": "key"}


def test_the_contract_lists_the_rpcs():
    assert len(RPCS) == 19


@pytest.mark.parametrize("name, listed", RPCS, ids=[name for name, _ in RPCS])
def test_each_listed_rpc_is_served_with_its_arguments(name, listed):
    served = inspect.signature(getattr(IdentityService, name))
    params = [param for param in served.parameters.values() if param.name != "self"]
    arguments = [argument.strip() for argument in listed.split(",") if argument.strip()]
    assert len(params) == len(arguments)
    for param, argument in zip(params, arguments):
        if argument.split(".")[-1][0].isupper():
            continue  # a schema's name (StaffCreate, identity.Code): loaded from the argument `sent`
        name, _, default = argument.partition("=")
        assert param.name == SERVED_AS.get(name, name)
        assert param.default == (inspect.Parameter.empty if not default else ast.literal_eval(default))
