"""Office API: texting usage per clinic and month (Open Dental's usage screen): each clinic's
texts sent and received in the practice's month and their charges, and the month's total
against the monthly spend limit. sms counts them; clinics are named here by the PMS's
external ids."""
from marshmallow import fields

from chairside.contracts import sms
from chairside.refusals import RULE_BROKEN
from services.gateway.http import OFFICE, route
from services.gateway.texting import TEXTING


class OfficeClinicUsage(sms.ClinicUsage):
    """A clinic's line as the office reads it: named by its external id alone."""

    class Meta:
        exclude = ("clinic_id",)


class OfficeTextingUsage(sms.TextingUsage):
    clinics = fields.List(fields.Nested(OfficeClinicUsage), required=True)


class OfficeTextingUsageApi:
    @route("GET", "/office/v1/texting/usage", tag=TEXTING, auth=OFFICE, query=sms.UsageMonth,
           answers=OfficeTextingUsage, refuses=(RULE_BROKEN,),
           summary="Texts sent and received per clinic in a month, and their charges",
           description="`month` is YYYY-MM in the practice's time zone (left out: the current month); one that is "
                       "not is refused, RULE_BROKEN. Every clinic is listed, with texts or not. Charges are exact "
                       "USD decimal strings; the limit is the one the office set, with 2 decimals, or null.")
    def get_texting_usage(self, call):
        return OfficeTextingUsage().dump(self.sms.texting_usage(call.practice_id, call.query["month"]))
