"""The console's front door, /office/: no practice yet, so no View, session or CSRF (the
form only asks for an address). A staff member types the practice's code (its slug, as
in the console's and the portal's addresses) and goes on to that practice's sign-in."""
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from chairside.contracts.identity import PracticeCreate
from services.gateway.pages.render import html
from services.gateway.pages.security import PAGE_HEADERS, console_path
from services.gateway.pages.web import Form, PageHttp

# The contract's rule for a practice's slug: its pattern, and never an API version such as
# v1 (/office/v1/ is the office API). A code it refuses can be no practice's console.
SLUG = PracticeCreate().fields["slug"]
BLANK = "Enter your practice code."
NOT_A_CODE = ("A practice code has only lower-case letters, digits and hyphens, such as bright-smiles. "
              "Check it with the practice's administrator.")


class ConsoleStartPages:
    @PageHttp.decorator("GET", "/office/")
    def console_start_page(self, request):
        form = Form(request.args, ("practice",))
        if "practice" in request.args:
            # Typed by hand: spaces around it and capitals are no part of the code.
            slug = form["practice"].strip().lower()
            if not slug:
                form.error("practice", BLANK)
            else:
                try:
                    SLUG.deserialize(slug)
                except ValidationError:
                    form.error("practice", NOT_A_CODE)
                else:
                    return Response(status=303, headers={**PAGE_HEADERS,
                                                         "Location": console_path(slug) + "sign-in"})
        return html("office/start.html", 400 if form.has_errors else 200, form=form)
