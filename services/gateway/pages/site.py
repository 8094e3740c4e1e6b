"""The portal's pages, by area, as one mixin of the gateway service."""
from services.gateway.pages.account import AccountPages
from services.gateway.pages.claim import ClaimPages
from services.gateway.pages.forms import FormsPages
from services.gateway.pages.home import HomePages
from services.gateway.pages.pay_portal import PayPortalPages
from services.gateway.pages.payments import PaymentPages
from services.gateway.pages.reset import ResetPages
from services.gateway.pages.signin import SignInPages


class PortalPages(HomePages, SignInPages, ClaimPages, ResetPages, AccountPages, FormsPages, PaymentPages,
                  PayPortalPages):
    """Patients' pages under /p/<practice slug>/ (services/gateway/pages/web.py)."""
