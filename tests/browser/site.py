"""The portal as a patient's browser uses it, and the office console as a staff member's
does: addresses, the texted codes, signing in (the same steps on both sites)."""
import re

import requests
from playwright.sync_api import expect

SAME_WORDS = "If your details match our records, we have texted a code to the mobile phone on file."


class Site:
    def __init__(self, portal, office, clock, root="p"):
        """root: "p" for the practice's portal, "office" for its console."""
        self.portal, self.office, self.clock = portal, office, clock
        self.root = f"/{root}/{portal.practice}/"
        self.base = portal.url + self.root

    def url(self, rest=""):
        return self.base + rest

    def path(self, rest=""):
        return self.root + rest

    def qr_png(self):
        return requests.get(self.url("qr.png"), timeout=30)

    def mark(self):
        """The outbox's length now: codes texted after it are read with code()."""
        return self.portal.outbox_lines()

    def code(self, phone, mark):
        return self.portal.texted_code(phone, mark)

    def set_modules(self, **modules):
        body = {"modules": {"forms": True, "payments": True, "appointments": True, "messages": True, **modules},
                "dependent_age": 16}
        answer = self.office.http.put(f"{self.office.url}/office/v1/portal-settings", json=body, timeout=30)
        assert answer.status_code == 200, answer.text

    def password_step(self, page, username, password, next_rest=None, check=None):
        """Username and password on the sign-in page (opened here unless `page` is on it)."""
        if "/sign-in" not in page.url:
            page.goto(self.url("sign-in"))
        if check:
            check(page, "signin")
        page.get_by_label("Username", exact=True).fill(username)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Continue").click()

    def sign_in(self, page, username, password, phone=None, totp=None, recovery=None, check=None):
        """The whole sign-in: by a texted code to `phone`, a TOTP, or a recovery code."""
        self.password_step(page, username, password, check=check)
        expect(page).to_have_url(re.compile(r"/sign-in/method$"))
        if check:
            check(page, "method")
        if phone:
            page.get_by_label("Text a code to my mobile phone").check()
            mark = self.mark()
            page.get_by_role("button", name="Continue").click()
            expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
            if check:
                check(page, "code")
            page.get_by_label("Code from the text message").fill(self.code(phone, mark))
        elif totp:
            page.get_by_label("Use my authenticator app").check()
            page.get_by_role("button", name="Continue").click()
            page.get_by_label("Code from your authenticator app").fill(totp.at(self.clock.now()))
        else:
            page.get_by_label("Use a recovery code").check()
            page.get_by_role("button", name="Continue").click()
            page.get_by_label("Recovery code", exact=True).fill(recovery)
        page.get_by_role("button", name="Sign in").click()
