"""The patient portal's web pages, served by the gateway under /p/<practice slug>/.

web.py is the one page entrypoint (headers, cookies, CSRF, sessions, module checks, error
pages); the areas (signin, claim, reset, account, home) hold small handlers that ask the
services and translate their refusals into words; site.py mixes them into the gateway.
"""
