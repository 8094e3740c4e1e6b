"""The console's pages, by area, as one mixin of the gateway service."""
from services.gateway.console.home import ConsoleHomePages
from services.gateway.console.patients import PatientPages
from services.gateway.console.portal_access import PortalAccessPages


class ConsolePages(ConsoleHomePages, PatientPages, PortalAccessPages):
    """Staff pages under /office/<practice slug>/ (services/gateway/pages/web.py, console_page)."""
