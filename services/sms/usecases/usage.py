"""Texting usage per clinic and month: for each clinic of the practice, whether it texts and
from which number, the texts it sent and received in the practice's local month and their
charges, and the month's total against the practice's monthly spend limit (Open Dental's
usage screen).

A month is counted in the practice's zone (practices.practice_zone): a text at 23:30 on the
31st in New York is in that month though it is the 1st in UTC. The answer takes a constant
number of queries whatever the number of clinics: the counts and charges come grouped by
clinic, one query for texts sent and one for texts received.
"""
from dataclasses import dataclass
from typing import List, Optional

from sqlalchemy import func, select

from chairside.refusals import rule_broken
from services.sms.domain import fees, limits
from services.sms.models import Clinic, InboundMessage, OutgoingMessage, PracticeTexting
from services.sms.usecases.practices import practice_zone

# A text the provider failed is not counted: it never reached a carrier and is not charged.
# Every other status counts, "sending" too: such a text is in flight and its charge reserved
# against the limit, so the month's total says what the limit counts.
NOT_COUNTED = ("failed",)


@dataclass(frozen=True)
class Traffic:
    """A clinic's texts in one direction in the month: how many, and their charges in micro-dollars."""
    count: int = 0
    charges_micros: int = 0


@dataclass(frozen=True)
class ClinicUsage:
    """One clinic's line (chairside.contracts.sms.ClinicUsage)."""
    clinic_id: str
    clinic: Optional[str]
    name: str
    default: bool
    subscribed: bool
    number: Optional[str]
    country: str
    sent: int
    sent_charges_usd: str
    received: int
    received_charges_usd: str


@dataclass(frozen=True)
class Usage:
    """The practice's month (chairside.contracts.sms.TextingUsage)."""
    month: str
    monthly_limit_usd: Optional[str]
    total_charges_usd: str
    clinics: List[ClinicUsage]


def texting_usage(uow, practice_id, month=None):
    """The practice's texting usage in `month` ("YYYY-MM" in the practice's zone; None: the
    month it is now there). A month that is not YYYY-MM: RULE_BROKEN on "month"."""
    zone = practice_zone(uow, practice_id)
    if month is None:
        month = limits.month_of(uow.clock.now(), zone)
    try:
        start, end = limits.month_bounds(month, zone)
    except ValueError as refused:
        raise rule_broken("month", str(refused)) from None
    row = uow.session.get(PracticeTexting, practice_id)
    default_clinic_id = row.default_clinic_id if row is not None else None
    limit_micros = row.monthly_limit_micros if row is not None else None
    clinics = uow.session.scalars(select(Clinic).where(Clinic.practice_id == practice_id)
                                  .order_by(Clinic.name, Clinic.clinic_id)).all()
    sent = _by_clinic(uow, OutgoingMessage, OutgoingMessage.sent_at, practice_id, start, end,
                      OutgoingMessage.status.not_in(NOT_COUNTED))
    received = _by_clinic(uow, InboundMessage, InboundMessage.received_at, practice_id, start, end)
    # the total is every text of the month, whatever clinic it is filed under
    total = sum(traffic.charges_micros for traffic in (*sent.values(), *received.values()))
    return Usage(
        month=month,
        monthly_limit_usd=fees.usd_rounded(limit_micros) if limit_micros is not None else None,
        total_charges_usd=fees.usd(total),
        clinics=[_line(clinic, default_clinic_id, sent.get(clinic.clinic_id, Traffic()),
                       received.get(clinic.clinic_id, Traffic())) for clinic in clinics])


def _by_clinic(uow, model, at, practice_id, start, end, *conditions):
    """{clinic_id: Traffic} of the practice's texts of `model` whose `at` is in [start, end)."""
    rows = uow.session.execute(
        select(model.clinic_id, func.count(), func.coalesce(func.sum(model.charge_micros), 0))
        .where(model.practice_id == practice_id, at >= start, at < end, *conditions)
        .group_by(model.clinic_id)).all()
    return {clinic_id: Traffic(count, int(charges)) for clinic_id, count, charges in rows}


def _line(clinic, default_clinic_id, sent, received):
    return ClinicUsage(
        clinic_id=clinic.clinic_id, clinic=clinic.external_id, name=clinic.name,
        default=clinic.clinic_id == default_clinic_id, subscribed=clinic.texting_subscribed,
        number=clinic.texting_number, country=clinic.country,
        sent=sent.count, sent_charges_usd=fees.usd(sent.charges_micros),
        received=received.count, received_charges_usd=fees.usd(received.charges_micros))
