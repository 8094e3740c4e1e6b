"""The office API key (MANAGE_API_KEY): what the practice's PMS connector and other systems
send to the office API. identity keeps it; making a new one stops the old one, and the new
key is shown this once (the answer to the POST, never cached)."""
from chairside.contracts.staff import MANAGE_API_KEY
from services.gateway.pages.web import console_page


class ApiKeyPages:
    @console_page("GET", "/office/<slug>/api-key", permission=MANAGE_API_KEY)
    def api_key_page(self, view):
        return view.render("office/api_key.html")

    @console_page("POST", "/office/<slug>/api-key/rotate", permission=MANAGE_API_KEY, returns_to="api-key")
    def rotate_api_key_page(self, view):
        rotated = self.identity.rotate_office_api_key(view.slug)
        # This process stops the old key now; the others on identity's event.
        self.office_keys.forget(view.practice["id"])
        return view.render("office/api_key_new.html", api_key=rotated["api_key"])
