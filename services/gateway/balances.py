"""Family balances as the office and the portal read them: billing's sums (it knows patients
by id only) with identity's names, every member's read written to the audit log."""
from chairside.contracts.billing import OfficeBalance, PatientFamilyBalance
from chairside.contracts.identity import BALANCE_READ
from chairside.schemas import shared
from services.gateway import batched
from services.gateway.audit import record_reads

def office_balance(service, practice_id, patient):
    """`patient` (identity's, its read already audited) and the family they answer for: the
    patient first, then the others by name, each read from identity by their PMS id (which
    audits the read)."""
    view = service.billing.balance_view(practice_id, patient["id"])
    payer, *others = view["family"]["members"]
    people = {patient["id"]: patient}
    for member in others:
        people[member["patient_id"]] = service.identity.read_patient(practice_id, member["external_id"], BALANCE_READ)

    def line(member):
        person = people[member["patient_id"]]
        return {"patient": person["external_id"], "first_name": person["first_name"],
                "last_name": person["last_name"], "balance_cents": member["balance_cents"]}
    lines = [line(payer), *sorted(map(line, others), key=lambda m: (m["last_name"], m["first_name"], m["patient"]))]
    return shared(OfficeBalance).dump({**view, "family": {**view["family"], "members": lines}})


def patient_family_balance(service, profile, practice_id, audited=False):
    """The signed-in patient's family balance (`profile`: identity's me): a line for themselves
    and for each member they answer for and may see (identity's family rule), in the order the
    portal shows the family; what the members they may not see owe (adults whose guarantor
    they are) is one sum, `others_cents`. The members' reads go to the audit log, unless
    `audited`: identity recorded them already (the home page's, with the profile)."""
    visible = [(profile, True), *((member, False) for member in profile["family"])]
    family = batched.BALANCE_VIEWS.call(service.billing, practice_id, profile["id"])["family"]
    owed = {member["patient_id"]: member["balance_cents"] for member in family["members"]}
    lines = [{"patient_id": person["id"], "first_name": person["first_name"], "last_name": person["last_name"],
              "you": you, "balance_cents": owed.pop(person["id"])} for person, you in visible if person["id"] in owed]
    if not audited:
        record_reads(service.identity, practice_id, [line["patient_id"] for line in lines], BALANCE_READ)
    return shared(PatientFamilyBalance).dump({**family, "members": lines, "others_cents": sum(owed.values())})
