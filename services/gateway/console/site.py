"""The console's pages, by area, as one mixin of the gateway service."""
from services.gateway.console.account import StaffAccountPages
from services.gateway.console.signin import StaffSignInPages


class ConsolePages(StaffSignInPages, StaffAccountPages):
    """Staff pages under /office/<practice slug>/ (services/gateway/pages/web.py, console_page)."""
