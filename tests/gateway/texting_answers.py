"""sms's answers as the RPC contract of issue 10 shapes them (the common brief): what the
console's texting pages are tested against, with the fake sms answering them. Charges are
exact micro-dollar strings; the pages round them to the cent, half up, only when shown."""

NO_LIMIT = {"monthly_limit_usd": None, "month": "2026-12", "month_charges_usd": "0.000000", "warning": False,
            "reached": False}
UNDER = {"monthly_limit_usd": "50.00", "month": "2026-12", "month_charges_usd": "12.453000", "warning": False,
         "reached": False}
WARNED = {"monthly_limit_usd": "50.00", "month": "2026-12", "month_charges_usd": "42.104500", "warning": True,
          "reached": False}
REACHED = {"monthly_limit_usd": "50.00", "month": "2026-12", "month_charges_usd": "49.995000", "warning": True,
           "reached": True}

DOWNTOWN_USAGE = {"clinic_id": "clinic-1", "clinic": "C-1", "name": "Downtown", "default": True, "subscribed": True,
                  "number": "+15555550100", "country": "US", "sent": 1200, "sent_charges_usd": "9.964000",
                  "received": 300, "received_charges_usd": "2.485000"}
UPTOWN_USAGE = {"clinic_id": "clinic-2", "clinic": "C-2", "name": "Uptown", "default": False, "subscribed": False,
                "number": None, "country": "CA", "sent": 1, "sent_charges_usd": "0.004000", "received": 0,
                "received_charges_usd": "0.000000"}
# Row by row the sent charges show $9.96 and $0.00; their exact total, $9.968, shows $9.97.
USAGE = {"month": "2026-11", "monthly_limit_usd": "50.00", "total_charges_usd": "12.453000",
         "clinics": [DOWNTOWN_USAGE, UPTOWN_USAGE]}

MARIA = {"id": "pat-1", "external_id": "P-100", "first_name": "Maria", "last_name": "Garcia",
         "birthdate": "1984-03-12", "mobile_phone": "+15555550123"}
SOFIA = {"id": "pat-3", "external_id": "P-300", "first_name": "Sofia", "last_name": "Garcia",
         "birthdate": "2014-07-21", "mobile_phone": "+15555550123"}
LUIS = {"id": "pat-2", "external_id": "P-200", "first_name": "Luis", "last_name": "Garcia",
        "birthdate": "1980-01-02", "mobile_phone": "+15555550124"}
# identity's search by each phone (staff.PatientPage): a phone that ends the same digits
# may find a patient sms did not name; the page keeps only those sms named.
SEARCHES = {"+15555550123": [MARIA, SOFIA], "+15555550124": [LUIS], "+15555550999": []}

SHARED = {"phone": "+15555550123", "patients": [{"patient_id": "pat-1"}, {"patient_id": "pat-3"}], "unread": 3,
          "last_at": "2026-12-02T14:13:00+00:00", "last_body": "Can I come at 3?", "opted_out": False}
UNKNOWN = {"phone": "+15555550999", "patients": [], "unread": 1, "last_at": "2026-12-03T09:00:00+00:00",
           "last_body": "Who is this?", "opted_out": False}
STOPPED = {"phone": "+15555550124", "patients": [{"patient_id": "pat-2"}], "unread": 0,
           "last_at": "2026-11-30T10:00:00+00:00", "last_body": "STOP", "opted_out": True}
CONVERSATIONS = [STOPPED, SHARED, UNKNOWN]   # not in order: the page shows the newest first

REMINDER = {"id": "m-1", "direction": "out", "body": "Your appointment is tomorrow at 9.",
            "at": "2026-12-01T15:00:00+00:00", "status": "delivered", "charge_usd": "0.008300"}
QUESTION = {"id": "m-2", "direction": "in", "body": "Can I come at 3?", "at": "2026-12-02T14:13:00+00:00",
            "status": None, "charge_usd": "0.008300"}
CONVERSATION = {"phone": "+15555550123", "opted_out": False, "patient_ids": ["pat-1", "pat-3"],
                "messages": [REMINDER, QUESTION]}
SENT = {"message_id": "m-3", "to": "+15555550123", "from": "+15555550100", "encoding": "GSM-7", "segments": 2,
        "charge_usd": "0.016600", "status": "sent", "sent_at": "2026-12-03T15:00:00+00:00"}

PATIENT_TEXTS = {"opted_out": False, "phone": "+15555550123", "messages": [REMINDER, QUESTION],
                 "consent_changes": []}
# STOP at 03:30 UTC on Dec 3 is Dec 2 in New York, the practice's zone.
OPTED_OUT_TEXTS = {"opted_out": True, "phone": "+15555550123",
                   "messages": [REMINDER, {**QUESTION, "id": "m-4", "body": "STOP", "at": "2026-12-03T03:30:00+00:00"}],
                   "consent_changes": [{"change": "opted_out", "at": "2026-10-01T12:00:00+00:00"},
                                       {"change": "opted_in", "at": "2026-10-02T12:00:00+00:00"},
                                       {"change": "opted_out", "at": "2026-12-03T03:30:00+00:00"}]}
