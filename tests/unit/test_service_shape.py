"""Every service's entrypoints, as nameko sees them: event handlers named for the consumer
that records what it applied (renaming one would apply every event again)."""
import pytest
from nameko.containers import ServiceContainer

from chairside.consumer import EventConsumer
from services.billing.service import BillingService
from services.forms.service import FormsService
from services.gateway.service import GatewayService
from services.sms.service import SmsService

CONFIG = {"AMQP_URI": "memory://"}


def consumers(service_cls):
    container = ServiceContainer(service_cls, CONFIG)
    return {(entrypoint.consumer_name, entrypoint.source, entrypoint.event_type)
            for entrypoint in container.entrypoints if isinstance(entrypoint, EventConsumer)}


@pytest.mark.parametrize("service_cls, expected", [
    (BillingService, {("billing.on_patient_upserted", "identity", "patient_upserted")}),
    (FormsService, {("forms.on_patient_upserted", "identity", "patient_upserted"),
                    ("forms.on_clinic_upserted", "identity", "clinic_upserted")}),
    (SmsService, {("sms.on_patient_upserted", "identity", "patient_upserted"),
                  ("sms.on_clinic_upserted", "identity", "clinic_upserted"),
                  ("sms.on_practice_upserted", "identity", "practice_upserted"),
                  ("sms.on_payment_received", "billing", "payment_received")}),
    (GatewayService, {("gateway.on_practice_key_rotated", "identity", "practice_key_rotated"),
                     ("gateway.on_portal_settings_changed", "identity", "portal_settings_changed")}),
], ids=lambda value: getattr(value, "name", ""))
def test_event_handlers_keep_their_consumer_names(service_cls, expected):
    assert consumers(service_cls) == expected
