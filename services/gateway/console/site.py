"""The console's pages, by area, as one mixin of the gateway service."""
from services.gateway.console.account import StaffAccountPages
from services.gateway.console.apikey import ApiKeyPages
from services.gateway.console.forms import FormPages
from services.gateway.console.home import ConsoleHomePages
from services.gateway.console.patients import PatientPages
from services.gateway.console.payment_requests_pages import PaymentRequestsPages
from services.gateway.console.payment_setup import PaymentSetupPages
from services.gateway.console.payments_pages import PaymentsPages
from services.gateway.console.portal_access import PortalAccessPages
from services.gateway.console.setup import SetupPages
from services.gateway.console.signin import StaffSignInPages
from services.gateway.console.staff import StaffPages
from services.gateway.console.start import ConsoleStartPages
from services.gateway.console.texting_inbox_pages import TextingInboxPages
from services.gateway.console.texting_setup import TextingSetupPages
from services.gateway.console.texting_usage_pages import TextingUsagePages


class ConsolePages(ConsoleStartPages, StaffSignInPages, StaffAccountPages, ConsoleHomePages, PatientPages,
                   PortalAccessPages, FormPages, SetupPages, TextingSetupPages, TextingUsagePages, TextingInboxPages,
                   PaymentsPages, PaymentRequestsPages, PaymentSetupPages, StaffPages, ApiKeyPages):
    """Staff pages under /office/<practice slug>/ (services/gateway/pages/web.py, console_page)."""
