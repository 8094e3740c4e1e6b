"""Office API: the ledger the PMS syncs, and the practice's payment settings. billing owns
both and resolves the patient by the PMS's id itself."""
from chairside.contracts import billing, identity
from chairside.refusals import NOT_SYNCED_YET, RULE_BROKEN
from services.gateway.http import OFFICE, route
from services.gateway.office import SYNC

PAYMENT_SETTINGS = "Payment settings"


class OfficeLedgerApi:
    @route("PUT", "/office/v1/ledger-entries/<external_id>", tag=SYNC, auth=OFFICE, path=identity.SyncKey,
           body=billing.LedgerEntryUpsert, answers=billing.LedgerEntry,
           refuses=(NOT_SYNCED_YET, RULE_BROKEN, billing.PAYMENT_NOT_FOUND, billing.PAYMENT_ALREADY_ON_LEDGER),
           summary="Create or replace a ledger entry",
           description="A full replacement: an optional field left out goes back to null. The same body twice "
                       "changes nothing; a change (another patient too) increments `version`. `amount_cents` is "
                       f"positive and the kind gives the sign: {billing.SIGN_WORDS}. `payment` names our online "
                       "payment the entry records: billing's own line for it gives way to this entry, and a "
                       "pending payment is posted. NOT_SYNCED_YET: billing has not received the patient yet (sync "
                       "it first); nothing was stored, retry shortly. RULE_BROKEN: a day outside the years kept, "
                       "`payment` on an entry that is not a payment or naming one that was not approved.")
    def put_ledger_entry(self, call):
        return self.billing.put_ledger_entry(call.practice_id, call.path["external_id"], call.body)

    @route("DELETE", "/office/v1/ledger-entries/<external_id>", tag=SYNC, auth=OFFICE, path=identity.SyncKey,
           status=204, refuses=(billing.LEDGER_ENTRY_NOT_FOUND,), summary="Remove a ledger entry the PMS removed")
    def delete_ledger_entry(self, call):
        self.billing.delete_ledger_entry(call.practice_id, call.path["external_id"])

    @route("GET", "/office/v1/payment-settings", tag=PAYMENT_SETTINGS, auth=OFFICE, answers=billing.PaymentSettings,
           summary="The practice's payment settings",
           description="billing's defaults until the practice sets them. Patients pay online only with the "
                       "portal module `payments` on too (PUT /office/v1/portal-settings).")
    def get_payment_settings(self, call):
        return self.billing.get_payment_settings(call.practice_id)

    @route("PUT", "/office/v1/payment-settings", tag=PAYMENT_SETTINGS, auth=OFFICE, body=billing.PaymentSettingsBody,
           answers=billing.PaymentSettings, refuses=(billing.CURRENCY_LOCKED,),
           summary="Replace the practice's payment settings",
           description="CURRENCY_LOCKED: the currency changes only while the practice has no ledger entries and "
                       "no online payments; nothing was changed.")
    def put_payment_settings(self, call):
        return self.billing.put_payment_settings(call.practice_id, call.body)
