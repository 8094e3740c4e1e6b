"""billing's contract: the ledger the PMS syncs, balances (a patient's, and the family balance a
patient answers for as guarantor), and the practice's payment settings.

RPCs, each loading and dumping the schemas below:
    get_balance(practice_id, patient_id) -> Balance
    balance_view(practice_id, patient_id) -> BalanceView        the patient's own and their family's
    balance_view_batch({"calls": [BalanceViewCall]}) -> {"answers": [{"answer": BalanceView|None,
                                                                      "refused": code|None}]}
    put_ledger_entry(practice_id, external_id, LedgerEntryUpsert) -> LedgerEntry
    delete_ledger_entry(practice_id, external_id) -> None
    get_payment_settings(practice_id) -> PaymentSettings
    put_payment_settings(practice_id, PaymentSettingsBody) -> PaymentSettings
A patient is named by Chairside's id (`patient_id`), except in a ledger entry, which the PMS
names by its own ids (billing keeps each patient's external id from identity's events).
The gateway adds the members' names (identity's): OfficeBalance and PatientFamilyBalance.
"""
from datetime import date

from marshmallow import Schema, fields, validate

from chairside.contracts.identity import external_id
from chairside.refusals import Conflict, ErrorCode, NotFound
from chairside.schemas import Input, StrictBoolean, WholeNumber, free_text, whole

# -- the ledger ---------------------------------------------------------------------------

CHARGE = "charge"                        # owed: treatment, fees
PAYMENT = "payment"                      # paid by the patient (at the desk or online)
ADJUSTMENT = "adjustment"                # a write-off or discount: lowers the balance
INSURANCE_PAYMENT = "insurance_payment"  # paid by the insurer
LEDGER_KINDS = (CHARGE, PAYMENT, ADJUSTMENT, INSURANCE_PAYMENT)
MAX_ENTRY_CENTS = 10_000_000_00          # ten million dollars: anything larger is a mistake
MAX_DESCRIPTION = 200
# What billing promises the PMS (its domain applies it; 422 RULE_BROKEN outside), the years
# forms keeps appointments in too.
EARLIEST_ENTRY_DATE = date(1900, 1, 1)
LATEST_ENTRY_DATE = date(2199, 12, 31)
ENTRY_DATE_RANGE = f"Must be from {EARLIEST_ENTRY_DATE.year} to {LATEST_ENTRY_DATE.year}."

LEDGER_ENTRY_NOT_FOUND = ErrorCode("LEDGER_ENTRY_NOT_FOUND", NotFound, "There is no ledger entry with this id.")
PAYMENT_NOT_FOUND = ErrorCode("PAYMENT_NOT_FOUND", NotFound, "There is no such online payment.")
PAYMENT_ALREADY_ON_LEDGER = ErrorCode(
    "PAYMENT_ALREADY_ON_LEDGER", Conflict,
    "Another ledger entry of the PMS already records this online payment; nothing was stored.")

# the ids billing gives online payments, exactly: the document and the check say the same
PAYMENT_ID_PATTERN = whole("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SIGN_WORDS = "charge adds to the balance; payment, adjustment and insurance_payment lower it"


class LedgerEntryUpsert(Input):
    patient = external_id(required=True, metadata={"description": "The external id of a patient synced before."})
    date = fields.Date(required=True, metadata={
        "description": f"The day of the entry, YYYY-MM-DD; from {EARLIEST_ENTRY_DATE.year} to "
                       f"{LATEST_ENTRY_DATE.year} (RULE_BROKEN otherwise)."})
    kind = fields.String(required=True, validate=validate.OneOf(LEDGER_KINDS), metadata={
        "description": f"Which way the amount moves the balance: {SIGN_WORDS}."})
    amount_cents = WholeNumber(required=True, validate=validate.Range(1, MAX_ENTRY_CENTS), metadata={
        "description": "Positive integer cents: the kind gives the sign."})
    description = free_text(MAX_DESCRIPTION, load_default=None, allow_none=True)
    payment = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        PAYMENT_ID_PATTERN, error="Must be an online payment's id as billing gave it (a lowercase UUID)."), metadata={
        "description": "The id of the online payment this entry records (kind payment): the entry billing "
                       "posted for it becomes this one, and a payment still pending is posted."})


class LedgerEntry(Schema):
    external_id = fields.String(required=True)
    patient = fields.String(required=True, metadata={"description": "The patient's external id."})
    date = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(LEDGER_KINDS))
    amount_cents = fields.Integer(required=True)
    currency = fields.String(required=True, metadata={"description": "ISO 4217: the practice's."})
    description = fields.String(required=True, allow_none=True)
    payment = fields.String(required=True, allow_none=True, metadata={
        "description": "The online payment it records, or null."})
    version = fields.Integer(required=True, metadata={"description": "Incremented on every change."})


# -- balances -----------------------------------------------------------------------------

class Balance(Schema):
    balance_cents = fields.Integer(required=True, attribute="cents",
                                   metadata={"description": "Integer cents; positive means owed."})
    currency = fields.String(required=True, metadata={"description": "ISO 4217, such as USD."})


class _FamilyTotals(Schema):
    currency = fields.String(required=True, metadata={"description": "ISO 4217, such as USD."})
    ledger_cents = fields.Integer(required=True, metadata={
        "description": "The sum of the members' ledger balances; negative is a credit."})
    pending_cents = fields.Integer(required=True, metadata={
        "description": "Approved online payments of this patient not on the ledger yet (automatic posting off)."})
    pending_count = fields.Integer(required=True, metadata={"description": "How many such payments."})
    due_cents = fields.Integer(required=True, metadata={
        "description": "What may still be paid: ledger_cents less pending_cents, never below 0."})


class FamilyMemberBalance(Schema):
    patient_id = fields.String(required=True)
    external_id = fields.String(required=True, metadata={"description": "The PMS's id of the patient."})
    balance_cents = fields.Integer(required=True)


class FamilyBalance(_FamilyTotals):
    members = fields.List(fields.Nested(FamilyMemberBalance), required=True, metadata={
        "description": "The patient first, then every patient whose guarantor they are."})


class BalanceView(Schema):
    balance_cents = fields.Integer(required=True, metadata={"description": "The patient's own ledger balance."})
    currency = fields.String(required=True)
    family = fields.Nested(FamilyBalance, required=True)


class BalanceViewCall(Input):
    """One page's balance_view in a batch (chairside.batches): its arguments, by name."""
    practice_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    patient_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


# What the gateway answers: billing's balances with identity's names.

class NamedMemberBalance(Schema):
    patient = fields.String(required=True, metadata={"description": "The member's external id."})
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    balance_cents = fields.Integer(required=True)


class OfficeFamilyBalance(_FamilyTotals):
    members = fields.List(fields.Nested(NamedMemberBalance), required=True, metadata={
        "description": "The patient first, then every patient whose guarantor they are."})


class OfficeBalance(Schema):
    balance_cents = fields.Integer(required=True, metadata={
        "description": "The patient's own ledger balance in integer cents; positive means owed."})
    currency = fields.String(required=True, metadata={"description": "ISO 4217, such as USD."})
    family = fields.Nested(OfficeFamilyBalance, required=True, metadata={
        "description": "What the patient answers for as guarantor: themselves and the patients whose guarantor "
                       "they are."})


class PortalMemberBalance(Schema):
    patient_id = fields.String(required=True, metadata={"description": "As /api/v1/me names the member."})
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    you = fields.Boolean(required=True, metadata={"description": "The signed-in patient's own line."})
    balance_cents = fields.Integer(required=True)


class PatientFamilyBalance(_FamilyTotals):
    members = fields.List(fields.Nested(PortalMemberBalance), required=True, metadata={
        "description": "The signed-in patient first, then the family members they may see and answer for."})
    others_cents = fields.Integer(required=True, metadata={
        "description": "What the other patients they answer for owe together (adults, whom the portal does not "
                       "show them): part of ledger_cents."})


# -- payment settings ---------------------------------------------------------------------

SANDBOX = "sandbox"                      # the built-in processor
PROCESSORS = (SANDBOX,)
# ISO 4217 currencies of two decimals: billing counts money in hundredths (cents).
CURRENCIES = ("AUD", "BRL", "CAD", "CHF", "CZK", "DKK", "EUR", "GBP", "HKD", "ILS", "INR", "MXN", "NOK", "NZD",
              "PLN", "SEK", "SGD", "USD", "ZAR")
CURRENCY_LOCKED = ErrorCode(
    "CURRENCY_LOCKED", Conflict,
    "The currency can change only while the practice has no ledger entries and no online payments.")


class PaymentSettingsBody(Input):
    online_payments = StrictBoolean(required=True, metadata={
        "description": "Patients may pay online (the portal module payments must be on too)."})
    auto_post = StrictBoolean(required=True, metadata={
        "description": "An online payment becomes a ledger entry at once; when false it shows as pending until "
                       "the office posts it."})
    minimum_cents = WholeNumber(required=True, validate=validate.Range(1, MAX_ENTRY_CENTS), metadata={
        "description": "The smallest online payment (a balance below it may be paid in full)."})
    processor = fields.String(required=True, validate=validate.OneOf(PROCESSORS))
    currency = fields.String(required=True, validate=validate.OneOf(CURRENCIES), metadata={
        "description": "ISO 4217, two decimals. CURRENCY_LOCKED once the practice has ledger entries or "
                       "payments."})


class PaymentSettings(Schema):
    online_payments = fields.Boolean(required=True)
    auto_post = fields.Boolean(required=True)
    minimum_cents = fields.Integer(required=True)
    processor = fields.String(required=True)
    currency = fields.String(required=True)
