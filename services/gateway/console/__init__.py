"""The office console's web pages, served by the gateway under /office/<practice slug>/ with
the portal's page machinery (services/gateway/pages/web.py, `console_page`): staff sign in
with two factors and every page checks the staff member's permission on the server."""
