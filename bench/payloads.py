"""Real `identity.patient_upserted` envelopes, built the way UnitOfWork.announce builds them."""
import json
import uuid
from datetime import date

from chairside.clock import SystemClock
from chairside.events import new_event
from chairside.events.envelope import EnvelopeSchema


def patient_data(n, clinic_id=None, patient_id=None):
    """A patient as identity holds it (Python values; the catalogue schema dumps them)."""
    return {
        "patient_id": patient_id or str(uuid.uuid4()),
        "external_id": f"bench-{n:06d}",
        "version": 1,
        "first_name": "Benchmark",
        "last_name": f"Patient{n:06d}",
        "birthdate": date(1980, 1, 1),
        "mobile_phone": f"+1555555{n % 10000:04d}",
        "email": f"bench.patient{n:06d}@example.com",
        "clinic_id": clinic_id or str(uuid.uuid4()),
        "guarantor_id": None,
        "dependent": False,
        "text_ok": "yes",
    }


def patient_upserted(n, practice_id, clinic_id=None, clock=None):
    """(event, JSON body) for patient number `n`; the body is what the outbox stores."""
    evt = new_event("identity", "patient_upserted", practice_id, patient_data(n, clinic_id),
                    (clock or SystemClock()).now())
    return evt, json.dumps(EnvelopeSchema().dump(evt))
