"""Family balances as the office and the portal read them: billing's sums (it knows patients
by id only) with identity's names, every member's read written to the audit log."""
from chairside.contracts.billing import OfficeBalance, PatientFamilyBalance
from services.gateway.audit import record_reads

READ = "balance_read"


def office_balance(service, practice_id, patient):
    """`patient` (identity's, its read already audited) and the family they answer for, each
    other member read from identity by their PMS id (which audits the read)."""
    view = service.billing.balance_view(practice_id, patient["id"])
    people = {patient["id"]: patient}
    for member in view["family"]["members"]:
        if member["patient_id"] not in people:
            people[member["patient_id"]] = service.identity.read_patient(practice_id, member["external_id"], READ)
    members = [{"patient": people[member["patient_id"]]["external_id"],
                "first_name": people[member["patient_id"]]["first_name"],
                "last_name": people[member["patient_id"]]["last_name"],
                "balance_cents": member["balance_cents"]} for member in view["family"]["members"]]
    return OfficeBalance().dump({**view, "family": {**view["family"], "members": members}})


def patient_family_balance(service, token, practice_id):
    """The signed-in patient's family balance: a line for themselves and for each member they
    answer for and may see (identity's family rule); what the members they may not see owe
    (adults whose guarantor they are) is one sum, `others_cents`."""
    profile = service.identity.me(token)
    visible = {profile["id"]: (profile, True), **{member["id"]: (member, False) for member in profile["family"]}}
    family = service.billing.balance_view(practice_id, profile["id"])["family"]
    shown = [member for member in family["members"] if member["patient_id"] in visible]
    record_reads(service.identity, practice_id, [member["patient_id"] for member in shown], READ)
    members = [{"patient_id": member["patient_id"], "first_name": visible[member["patient_id"]][0]["first_name"],
                "last_name": visible[member["patient_id"]][0]["last_name"], "you": visible[member["patient_id"]][1],
                "balance_cents": member["balance_cents"]} for member in shown]
    others = sum(member["balance_cents"] for member in family["members"] if member["patient_id"] not in visible)
    return PatientFamilyBalance().dump({**family, "members": members, "others_cents": others})
