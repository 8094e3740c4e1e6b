"""The console's pages, by area, as one mixin of the gateway service."""


class ConsolePages:
    """Staff pages under /office/<practice slug>/ (services/gateway/pages/web.py, console_page)."""
