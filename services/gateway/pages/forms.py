"""The patient's forms (portal module "forms"): what the family still has to fill before
their next appointments, "Fill all required" walking through every one (the patient's own
first, then each dependent's), one form with its draft saved at every step, the summary of
the walk, and past submissions read-only.

forms decides what is outstanding and whether answers are complete; identity decides who
the patient may act for (their family); these pages ask both and put their answers into
words. Answers travel by the template's linkIds; a linkId may hold any character, so each
question's form field is named by `field_name` (one place) and refusals by linkId are
mapped back with it."""
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Response

from chairside.clock import clock_from_env
from chairside.contracts.forms import FORM_INCOMPLETE, SUBMISSION_NOT_FOUND, TEMPLATE_CHANGED, TEMPLATE_NOT_FOUND
from chairside.contracts.identity import FORMS_READ
from services.gateway.audit import record_read, record_reads
from services.gateway.http import MAX_BODY_BYTES
from services.gateway.pages.home import family_forms, family_of
from services.gateway.pages.security import PAGE_HEADERS, CookieRule
from services.gateway.pages.web import PORTAL, Form, expect, notices, page

MODULE = "forms"
# Items that ask nothing (forms' template kinds "display" and "group"): no field, no answer.
NOT_QUESTIONS = ("display", "group")
FIELD_PREFIX = "q-"
OTHER = "chairside:other"        # the "Other" choice of an open choice (its words are in the text field)
OTHER_SUFFIX = "-other"          # the text field of that "Other" choice: `field_name(...) + OTHER_SUFFIX`
AUTOSAVE_HEADER = "X-Autosave"   # forms.js saving the draft in the background: 204, no page
# "Form 2 of 5": the forms the walk started with, kept for a day (a walk is one sitting, or
# a few; without it the pages still work, without the step).
WALK = CookieRule("chairside_forms_walk", max_age=24 * 60 * 60)
CLOCK = clock_from_env()   # "today" of the walk's summary (the tests' clock in end-to-end runs)

notices(PORTAL, **{
    "form-saved": "Your answers are saved. You can come back to them at any time.",
    "form-submitted": "Thank you: your form has been sent to the practice.",
})


def field_name(link_id):
    """A linkId as a form field's name and HTML id: ASCII letters and digits kept, every
    other byte written _xx (so "history.allergies" is "q-history_2eallergies"); the same
    linkId always gives the same name, in every version of a template."""
    return FIELD_PREFIX + "".join(chr(byte) if chr(byte).isascii() and chr(byte).isalnum() else f"_{byte:02x}"
                                  for byte in link_id.encode("utf-8"))


def questions(items):
    """The template's items as the page shows them: each with its field `name`, and its
    conditions naming the fields of the questions they look at (forms.js reads them)."""
    return [{**item, "name": field_name(item["link_id"]),
             "conditions": [{**condition, "question": field_name(condition["question"])}
                            for condition in item["enable_when"]],
             "items": questions(item["items"])} for item in items]


def answerable(items):
    """Every question of `questions(...)`, follow-ups and groups' questions included, in order."""
    for item in items:
        if item["kind"] not in NOT_QUESTIONS:
            yield item
        yield from answerable(item["items"])


def _option_codes(item):
    return {option["code"] for option in item["options"]}


def typed_answers(items, data):
    """The answers of the posted form by linkId, as typed: a text, the chosen codes of a
    multiple choice (with the "Other" words of an open one), a signature's data: URL. A
    question left blank is not sent; fields that are no question of the template are never read."""
    answers = {}
    for item in answerable(items):
        name = item["name"]
        other = data.get(name + OTHER_SUFFIX, "").strip() if item["open"] else ""
        if item["kind"] == "multiple_choice":
            chosen = data.getlist(name)
            value = [code for code in chosen if code != OTHER] + ([other] if OTHER in chosen and other else [])
        elif item["kind"] == "single_choice" and data.get(name) == OTHER:
            value = other
        else:
            value = data.get(name, "")
        if value and (not isinstance(value, str) or value.strip()):
            answers[item["link_id"]] = value
    return answers


def answer_form(items, answers):
    """A Form holding `answers` (by linkId, as a draft keeps them) in the page's fields: an
    open choice's words that are none of its options go to its "Other" field."""
    form = Form({}, [])
    for item in answerable(items):
        name, value = item["name"], answers.get(item["link_id"])
        codes = _option_codes(item)
        if item["kind"] == "multiple_choice":
            chosen = value if isinstance(value, list) else []
            others = [text for text in chosen if text not in codes]
            form.values[name] = [code for code in chosen if code in codes] + ([OTHER] if others else [])
            form.values[name + OTHER_SUFFIX] = ", ".join(others)
        elif item["kind"] == "single_choice" and isinstance(value, str) and value and value not in codes:
            form.values[name], form.values[name + OTHER_SUFFIX] = OTHER, value
        else:
            form.values[name] = value if isinstance(value, str) else ""
            form.values[name + OTHER_SUFFIX] = ""
    return form


def members_of(service, view):
    """The signed-in patient and the family members identity lets them see, in its order."""
    return family_of(service.identity.me(view.token))


def member(members, patient_id):
    """The family member `patient_id`; anyone else's forms are not found (the same page as
    an unknown template: nothing says whether the patient exists)."""
    for one in members:
        if one["id"] == patient_id:
            return one
    raise TEMPLATE_NOT_FOUND()


def _uuid_or(value, refusal):
    try:
        uuid.UUID(value)
    except ValueError:
        raise refusal() from None
    return value


def walk_of(rows):
    """Every outstanding form of the family, in the walk's order: the patient's own first,
    then each dependent's in family order, each member's by title (as forms orders them)."""
    return [[row["member"]["id"], form["template"]] for row in rows for form in row["outstanding"]]


def form_path(view, patient_id, template_id):
    return view.path(f"forms/{patient_id}/{template_id}")


def moment_words(value, zone):
    """"2026-12-02T14:13:00+00:00" -> "2 December 2026 at 9:13 AM" in the practice's time zone."""
    at = datetime.fromisoformat(value).astimezone(ZoneInfo(zone))
    return f"{at.day} {at:%B %Y} at {at.hour % 12 or 12}:{at:%M %p}"


def submissions_of(service, view, members):
    """Each member's submissions (newest first), every read written to the audit log."""
    practice_id = view.signed_in["practice_id"]
    record_reads(service.identity, practice_id, [one["id"] for one in members], FORMS_READ)
    rows = []
    for one in members:
        submissions = service.forms.patient_submissions(practice_id, one["id"])["submissions"]
        rows.append({"member": one, "name": f"{one['first_name']} {one['last_name']}",
                     "submissions": [{**s, "submitted_at_words": moment_words(s["submitted_at"],
                                                                              view.practice["timezone"])}
                                     for s in submissions]})
    return rows


class FormsPages:
    @page("GET", "/p/<slug>/forms", signed_in=True, module=MODULE)
    def forms_page(self, view):
        return view.render("portal/forms_list.html", rows=family_forms(self, view, members_of(self, view)))

    @page("GET", "/p/<slug>/forms/fill", signed_in=True, module=MODULE)
    def fill_all_page(self, view):
        walk = walk_of(family_forms(self, view, members_of(self, view)))
        if not walk:
            view.forget(WALK)
            return view.redirect(view.path("forms/done"))
        view.keep(WALK, walk)
        return view.redirect(form_path(view, *walk[0]), walk="1")

    @page("GET,POST", "/p/<slug>/forms/<patient_id>/<template_id>", signed_in=True, module=MODULE,
          max_form_bytes=MAX_BODY_BYTES)   # long answers and a signature drawn on a phone's dense screen
    def fill_form_page(self, view, patient_id, template_id):
        members = members_of(self, view)
        member(members, patient_id)
        _uuid_or(template_id, TEMPLATE_NOT_FOUND)
        practice_id = view.signed_in["practice_id"]
        to_fill = self.forms.form_to_fill(practice_id, patient_id, template_id, view.practice["timezone"])
        items = questions(to_fill["template"]["items"])
        if view.request.method == "GET":
            draft = to_fill["draft"]
            return self._form(view, to_fill, items, answer_form(items, draft["answers"] if draft else {}))

        data = view.request.form
        version = data.get("version", "")
        body = {"version": int(version) if version.isdigit() else 0, "answers": typed_answers(items, data)}
        signer = view.signed_in["patient_id"]
        if data.get("action") != "submit":
            self.forms.save_draft(practice_id, patient_id, template_id, body, signer, view.practice["timezone"])
            if view.request.headers.get(AUTOSAVE_HEADER):
                return Response(status=204, headers=PAGE_HEADERS)
            return view.redirect(view.path("forms"), notice="form-saved")
        try:
            self.forms.submit_form(practice_id, patient_id, template_id, body, signer, view.practice["timezone"])
        except Exception as exc:
            # TEMPLATE_CHANGED: `to_fill`, read by this request, is already the new version;
            # it comes back with what was typed and the message at the top.
            refusal = expect(exc, FORM_INCOMPLETE, TEMPLATE_CHANGED)
            form = answer_form(items, body["answers"])
            form.refused(refusal, fields={item["link_id"]: item["name"] for item in answerable(items)})
            return self._form(view, to_fill, items, form)
        if view.request.args.get("walk"):
            walk = walk_of(family_forms(self, view, members))
            if walk:
                return view.redirect(form_path(view, *walk[0]), walk="1")
            return view.redirect(view.path("forms/done"))
        return view.redirect(view.path("forms"), notice="form-submitted")

    def _form(self, view, to_fill, items, form):
        walking = bool(view.request.args.get("walk"))
        walk = (view.recall(WALK) or []) if walking else []
        here = [to_fill["patient_id"], to_fill["template"]["id"]]
        step = (walk.index(here) + 1, len(walk)) if here in walk else None
        own = to_fill["patient_id"] == view.signed_in["patient_id"]
        action = form_path(view, to_fill["patient_id"], to_fill["template"]["id"]) + ("?walk=1" if walking else "")
        title = to_fill["template"]["title"] + ("" if own else f" for {to_fill['patient_name']}")
        return view.render("portal/forms_fill.html", form.status, to_fill=to_fill, items=items, form=form,
                           step=step, title=title, action=action, other=OTHER, other_suffix=OTHER_SUFFIX)

    @page("GET", "/p/<slug>/forms/done", signed_in=True, module=MODULE)
    def forms_done_page(self, view):
        members = members_of(self, view)
        zone = ZoneInfo(view.practice["timezone"])
        today = CLOCK.now().astimezone(zone).date()
        sent = [{**row, "submissions": [s for s in row["submissions"]
                                        if datetime.fromisoformat(s["submitted_at"]).astimezone(zone).date() == today]}
                for row in submissions_of(self, view, members)]
        view.forget(WALK)
        return view.render("portal/forms_done.html", sent=[row for row in sent if row["submissions"]],
                           rows=family_forms(self, view, members))

    @page("GET", "/p/<slug>/forms/history", signed_in=True, module=MODULE)
    def forms_history_page(self, view):
        return view.render("portal/forms_history.html", rows=submissions_of(self, view, members_of(self, view)))

    @page("GET", "/p/<slug>/forms/history/<submission_id>", signed_in=True, module=MODULE)
    def forms_submission_page(self, view, submission_id):
        members = members_of(self, view)
        practice_id = view.signed_in["practice_id"]
        submission = self.forms.get_submission(practice_id, _uuid_or(submission_id, SUBMISSION_NOT_FOUND))
        if submission["patient_id"] not in {one["id"] for one in members}:
            raise SUBMISSION_NOT_FOUND()
        record_read(self.identity, practice_id, submission["patient_id"], FORMS_READ)
        submission["submitted_at_words"] = moment_words(submission["submitted_at"], view.practice["timezone"])
        return view.render("portal/forms_submission.html", submission=submission)
