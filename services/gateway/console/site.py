"""The console's pages, by area, as one mixin of the gateway service."""
from services.gateway.console.account import StaffAccountPages
from services.gateway.console.apikey import ApiKeyPages
from services.gateway.console.signin import StaffSignInPages
from services.gateway.console.staff import StaffPages
from services.gateway.console.start import ConsoleStartPages


class ConsolePages(ConsoleStartPages, StaffSignInPages, StaffAccountPages, StaffPages, ApiKeyPages):
    """Staff pages under /office/<practice slug>/ (services/gateway/pages/web.py, console_page)."""
