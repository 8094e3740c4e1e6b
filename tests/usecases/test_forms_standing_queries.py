"""A family's forms against a real database: as many SQL statements for four members as for
one (the portal's home page asks for the whole family at every visit), and each member's own
next appointment and due day when the family's appointments are in several clinics and time
zones and some are behind them."""
from datetime import timedelta

import pytest

from chairside.contracts.forms import Appointments
from services.forms.usecases.appointments import patient_appointments
from tests.usecases.forms_world import PRACTICE_ZONE
from tests.usecases.test_sms_usage import statements

# The rules, the members, their upcoming appointments, their clinics, their completions.
MOST_STATEMENTS = 5
ZONES = ("America/New_York", "America/Los_Angeles", "Europe/Paris", "Asia/Tokyo")


def member(forms, n, upcoming=True):
    """Patient `n` of the family at a clinic of their own (in ZONES[n]), with an appointment
    behind them, an upcoming one when `upcoming`, and a completed form; answers their id."""
    patient_id, external_id, clinic = f"f{n}", f"PMS-F{n}", f"clinic-{n}"
    forms.clinic(clinic_id=f"c-{n}", external_id=clinic, timezone=ZONES[n])
    forms.patient(patient_id=patient_id, external_id=external_id, first_name=f"Member {n}", last_name="Garcia",
                  clinic_id=f"c-{n}")
    now = forms.clock.now()
    forms.appointment(f"past-{n}", patient=external_id, clinic=clinic, start=(now - timedelta(days=3)).isoformat())
    if upcoming:
        forms.appointment(f"next-{n}", patient=external_id, clinic=clinic,
                          start=(now + timedelta(days=n + 1)).isoformat())
    return patient_id


def counted(forms, patient_ids):
    """The family's members and the number of statements their forms took."""
    with statements(forms.db.engine) as sent:
        members = forms.family(patient_ids)["members"]
    return members, len(sent)


@pytest.mark.parametrize("upcoming", [True, False])
def test_a_family_of_four_costs_as_many_statements_as_one_member(forms, upcoming):
    template = forms.required()
    family = [member(forms, n, upcoming) for n in range(4)]
    for patient_id in family:
        forms.completed(template["id"], patient_id=patient_id)
    (_, one), (members, four) = counted(forms, family[:1]), counted(forms, family)
    assert one == four <= MOST_STATEMENTS
    assert [(m["patient_id"], m["next_appointment"] and m["next_appointment"]["external_id"], len(m["completed"]))
            for m in members] == [(f"f{n}", f"next-{n}" if upcoming else None, 1) for n in range(4)]


def test_each_member_gets_their_own_next_appointment_and_due_day(forms, clock):
    """Now is 2026-11-22 15:00 UTC."""
    forms.required(max_age=9)  # Sofia turns 10 on 10 December: her due day decides her forms
    forms.clinic(clinic_id="c2", external_id="west", timezone="America/Los_Angeles")
    forms.clinic(clinic_id="c3", external_id="tokyo", timezone="Asia/Tokyo")
    forms.patient(patient_id="t1", external_id="PMS-T", first_name="Tomas", last_name="Garcia", clinic_id="c3")
    # Maria: one behind her, one cancelled, the next in Los Angeles late on the 29th (the 30th in UTC), a later one
    forms.appointment("M-past", start="2026-11-22T09:59:00-05:00")
    forms.appointment("M-cancelled", start="2026-11-23T09:00:00-05:00", status="cancelled")
    forms.appointment("M-next", clinic="west", start="2026-11-29T22:00:00-08:00", status="confirmed")
    forms.appointment("M-later", start="2026-12-20T09:00:00-05:00")
    # Sofia: the next one at Main Street on her tenth birthday, in New York
    forms.appointment("S-later", patient="PMS-S", start="2027-01-05T09:00:00-05:00")
    forms.appointment("S-next", patient="PMS-S", start="2026-12-10T08:00:00-05:00")
    # Tomas: only one behind him, so his forms are due today in Tokyo (the 23rd there)
    forms.appointment("T-past", patient="PMS-T", clinic="tokyo", start="2026-11-20T10:00:00+09:00")
    members = forms.family(["t1", "m1", "s1"])["members"]
    assert [(m["patient_id"], m["patient"], m["next_appointment"] and m["next_appointment"]["external_id"],
             m["next_appointment"] and m["next_appointment"]["start"],
             m["next_appointment"] and m["next_appointment"]["timezone"], m["due_on"]) for m in members] == [
        ("t1", "PMS-T", None, None, None, "2026-11-23"),
        ("m1", "PMS-M", "M-next", "2026-11-29T22:00:00-08:00", "America/Los_Angeles", "2026-11-29"),
        ("s1", "PMS-S", "S-next", "2026-12-10T08:00:00-05:00", "America/New_York", "2026-12-10"),
    ]
    assert [len(m["outstanding"]) for m in members] == [0, 0, 0]  # Tomas and Maria are over 9, Sofia 10
    assert members[1]["next_appointment"]["clinic"] == "west" and members[2]["next_appointment"]["patient"] == "PMS-S"
    assert members == [forms.forms_of(patient_id) for patient_id in ("t1", "m1", "s1")]


def test_the_next_appointment_is_the_one_a_patient_s_appointments_name(forms, clock):
    """The family's next appointments are the same as each patient's list names, as time goes by."""
    forms.clinic(clinic_id="c2", external_id="west", timezone="America/Los_Angeles")
    now = clock.now()
    forms.appointment("M-1", start=(now + timedelta(hours=1)).isoformat())
    forms.appointment("M-2", clinic="west", start=(now + timedelta(hours=1)).isoformat())  # same instant: by PMS id
    forms.appointment("S-1", patient="PMS-S", start=now.isoformat())                       # starts exactly now
    forms.appointment("S-2", patient="PMS-S", clinic="west", start=(now + timedelta(days=1)).isoformat())
    for step in (timedelta(0), timedelta(seconds=1), timedelta(hours=1), timedelta(days=2)):
        clock.set(now + step)
        family = forms.family(["m1", "s1"])["members"]
        listed = [forms.db.run(patient_appointments, "p1", patient_id, PRACTICE_ZONE, answer=Appointments(),
                               read_only=True) for patient_id in ("m1", "s1")]
        assert [m["next_appointment"] for m in family] == [found["next_appointment"] for found in listed]
