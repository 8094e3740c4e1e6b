"""Forms in the console: the submitted forms the front desk imports into the PMS, each with
its printable page and an acknowledgement (HANDLE_FORMS); the form templates and the
required-form rules (MANAGE_FORMS). forms keeps all of it and decides every rule; these
pages show it, write each read of a submission to the audit log, and say forms' refusals
beside the fields."""
from urllib.parse import quote

from marshmallow import ValidationError

from chairside.contracts import forms, staff
from chairside.refusals import VALIDATION_ERROR
from services.gateway.console.display import Times
from services.gateway.console.inputs import figure, refused_in_words
from services.gateway.form_submissions import ACKNOWLEDGED, PRINTABLE, audit_submissions, shown
from services.gateway.pages.web import CONSOLE, Form, console_page, expect, notices

STAFF_ACTOR = "staff:{staff_id}"   # who acknowledged, as forms records it (the API's is "office API")
RULE_FIELDS = ("template", "min_age", "max_age", "valid_months", "renew_on_new_version")
NO_LIMIT = ""   # a blank age or month field: no limit (null to forms)
# forms refuses a rule in marshmallow's words; the console says what to enter instead.
RULE_WORDS = {
    "template": "Choose the form to require.",
    "min_age": f"Enter a whole number of years from 0 to {forms.MAX_AGE}, or leave it blank: from birth.",
    "max_age": f"Enter a whole number of years from 0 to {forms.MAX_AGE}, not below the lowest age, or leave it "
               "blank: no upper limit.",
    "valid_months": f"Enter a whole number of months from 1 to {forms.MAX_VALID_MONTHS}, or leave it blank: valid "
                    "for ever.",
    "renew_on_new_version": "Tick the box or leave it empty.",
}
STATUS_TABS = (("new", "New"), ("acknowledged", "Imported into the PMS"))
# Each kind of item of a template in words (services/forms/template_items.py names the kinds);
# a kind without words here is shown by its name.
KIND_WORDS = {"short_text": "Short text", "long_text": "Long text", "yes_no": "Yes or no",
              "single_choice": "One choice", "multiple_choice": "Any number of choices", "date": "Date",
              "time": "Time of day", "number": "Number", "phone": "Phone number", "email": "Email address",
              "display": "Text to read", "group": "Section", "signature": "Signature"}
NUMBER_WORDS = {"integer": "Whole number", "decimal": "Number"}
OPERATOR_WORDS = {"=": "is", "!=": "is not", ">": "is more than", "<": "is less than", ">=": "is at least",
                  "<=": "is at most"}

notices(CONSOLE, **{
    "form-acknowledged": "The form is marked as imported into the PMS.",
    "form-rule-saved": "The rule is saved: patients' outstanding forms follow it at once.",
    "form-rule-removed": "The form is no longer required. Its past submissions are kept.",
})


# -- words ------------------------------------------------------------------------------------

def who_words(rule):
    low, high = rule["min_age"], rule["max_age"]
    if low is None and high is None:
        return "Everyone"
    if high is None:
        return f"Ages {low} and over"
    return f"Ages {low or 0} to {high}"


def valid_words(rule):
    months = rule["valid_months"]
    if months is None:
        return "For ever"
    return f"{months} month" + ("" if months == 1 else "s")


def rule_words(rule):
    """A rule as the console's tables say it."""
    return {**rule, "who": who_words(rule), "valid": valid_words(rule),
            "renewal": "Yes" if rule["renew_on_new_version"] else "No"}


def _questions(items, found=None):
    """Every item of a template by linkId, nested ones too: conditions name them."""
    found = {} if found is None else found
    for item in items:
        found[item["link_id"]] = item
        _questions(item["items"], found)
    return found


def _answer_words(condition, question):
    answer = condition["answer"]
    if condition["answer_type"] == "boolean":
        return "Yes" if answer else "No"
    if condition["answer_type"] == "coding" and question:
        return next((option["display"] or answer for option in question["options"] if option["code"] == answer),
                    answer)
    return str(answer)


def condition_words(condition, questions):
    """"“Any allergies?” is Yes": when an item is shown, in words."""
    question = questions.get(condition["question"])
    name = f"“{(question or {}).get('text') or condition['question']}”"
    if condition["operator"] == "exists":
        return f"{name} is {'answered' if condition['answer'] else 'not answered'}"
    return f"{name} {OPERATOR_WORDS.get(condition['operator'], condition['operator'])} " \
           f"{_answer_words(condition, question)}"


def shown_when(item, questions):
    """When an item is shown, as a sentence; None when always."""
    conditions = [condition_words(condition, questions) for condition in item["enable_when"]]
    if not conditions:
        return None
    if len(conditions) > 1 and item["enable_behavior"] == "any":
        return "Shown only when one of these holds: " + "; ".join(conditions) + "."
    return "Shown only when " + " and ".join(conditions) + "."


def kind_words(item):
    if item["kind"] == "number" and item["number_type"] in NUMBER_WORDS:
        return NUMBER_WORDS[item["number_type"]]
    return KIND_WORDS.get(item["kind"], item["kind"])


def described(items, questions):
    """A template's items with their kind and conditions in words, for the read-only view."""
    return [{**item, "kind_words": kind_words(item), "shown_when": shown_when(item, questions),
             "items": described(item["items"], questions)} for item in items]


# -- what the pages share --------------------------------------------------------------------

def submission_path(view, submission_id):
    return view.path("forms/submissions/" + quote(str(submission_id), safe=""))


def _key(schema, value, not_found):
    """An id of forms from the address or a form (`schema`'s one field): a malformed one is
    none of forms' records, `not_found`."""
    name, = schema._declared_fields
    try:
        return str(schema().load({name: value})[name])
    except ValidationError:
        raise not_found() from None


def submission_of(service, view, submission_id):
    """forms' submission of this practice, its read written to the audit log."""
    submission = service.forms.get_submission(
        view.practice["id"], _key(forms.SubmissionKey, submission_id, forms.SUBMISSION_NOT_FOUND))
    audit_submissions(service.identity, view.practice["id"], [submission])
    return shown(submission, view.practice["timezone"])


def rule_body(form):
    """The rule form as forms takes it: a blank number is no limit; anything else goes as
    typed (figure) for forms to accept or refuse."""
    def number(name):
        text = form[name].strip()
        return None if text == NO_LIMIT else figure(text)
    return {"min_age": number("min_age"), "max_age": number("max_age"), "valid_months": number("valid_months"),
            "renew_on_new_version": bool(form["renew_on_new_version"])}


def rule_form(rule):
    """The rule form filled in with a rule forms holds (changing it)."""
    def text(value):
        return NO_LIMIT if value is None else str(value)
    return Form({"template": rule["template"], "min_age": text(rule["min_age"]), "max_age": text(rule["max_age"]),
                 "valid_months": text(rule["valid_months"]),
                 "renew_on_new_version": "on" if rule["renew_on_new_version"] else ""}, RULE_FIELDS)


def rules_page(service, view, form=None):
    """The rules and the form to set one; `form` carries what was sent and its refusal,
    else the rule of `?template=` (its Change link) is filled in, else a blank form."""
    practice_id = view.practice["id"]
    rules = [rule_words(rule) for rule in service.forms.get_rules(practice_id)["rules"]]
    templates = service.forms.get_templates(practice_id)["templates"]
    if form is None:
        chosen = next((rule for rule in rules if rule["template"] == view.request.args.get("template")), None)
        form = rule_form(chosen) if chosen else Form({"renew_on_new_version": "on"}, RULE_FIELDS)
    return view.render("office/forms_rules.html", form.status, form=form, rules=rules,
                       choices=[(template["id"], f"{template['title']} (version {template['version']})")
                                for template in templates])


class FormPages:
    # -- submitted forms (HANDLE_FORMS) ---------------------------------------------------------

    @console_page("GET", "/office/<slug>/forms", permission=staff.HANDLE_FORMS)
    def console_forms_page(self, view):
        query = forms.SubmissionQuery().load({"status": view.request.args.get("status", "new")})
        found = self.forms.get_submissions(view.practice["id"], forms.SubmissionQuery().dump(query))["submissions"]
        audit_submissions(self.identity, view.practice["id"], found)
        return view.render("office/forms.html", showing=query["status"], tabs=STATUS_TABS, submissions=found,
                           times=Times(view.practice["timezone"]), sees_patients=view.allows(staff.VIEW_PATIENTS),
                           manages_forms=view.allows(staff.MANAGE_FORMS))

    @console_page("GET", "/office/<slug>/forms/submissions/<submission_id>", permission=staff.HANDLE_FORMS)
    def console_form_submission_page(self, view, submission_id):
        submission = submission_of(self, view, submission_id)
        return view.render("office/forms_submission.html", submission=submission,
                           path=submission_path(view, submission["id"]), times=Times(view.practice["timezone"]),
                           sees_patients=view.allows(staff.VIEW_PATIENTS))

    @console_page("GET", "/office/<slug>/forms/submissions/<submission_id>/print", permission=staff.HANDLE_FORMS)
    def console_form_submission_print_page(self, view, submission_id):
        submission = submission_of(self, view, submission_id)
        return view.render(PRINTABLE, submission=submission, standalone=False,
                           back=submission_path(view, submission["id"]))

    @console_page("POST", "/office/<slug>/forms/submissions/<submission_id>/acknowledge",
                  permission=staff.HANDLE_FORMS, returns_to="forms/submissions/{submission_id}")
    def console_form_acknowledge_page(self, view, submission_id):
        submission = self.forms.acknowledge_submission(
            view.practice["id"], _key(forms.SubmissionKey, submission_id, forms.SUBMISSION_NOT_FOUND),
            STAFF_ACTOR.format(staff_id=view.signed_in["staff_id"]))
        audit_submissions(self.identity, view.practice["id"], [submission], ACKNOWLEDGED)
        return view.redirect(view.path("forms"), notice="form-acknowledged")

    # -- templates and rules (MANAGE_FORMS) -----------------------------------------------------

    @console_page("GET", "/office/<slug>/forms/templates", permission=staff.MANAGE_FORMS)
    def console_form_templates_page(self, view):
        practice_id = view.practice["id"]
        rules = {rule["template"]: rule_words(rule) for rule in self.forms.get_rules(practice_id)["rules"]}
        templates = [{**template, "rule": rules.get(template["id"])}
                     for template in self.forms.get_templates(practice_id)["templates"]]
        return view.render("office/forms_templates.html", templates=templates)

    @console_page("GET", "/office/<slug>/forms/templates/<template_id>", permission=staff.MANAGE_FORMS)
    def console_form_template_page(self, view, template_id):
        template = self.forms.get_template(view.practice["id"],
                                           _key(forms.TemplateKey, template_id, forms.TEMPLATE_NOT_FOUND))
        # `form_template`: View.render takes `template` for the page's own
        return view.render("office/forms_template.html", form_template=template,
                           items=described(template["items"], _questions(template["items"])),
                           times=Times(view.practice["timezone"]))

    @console_page("GET", "/office/<slug>/forms/rules", permission=staff.MANAGE_FORMS)
    def console_form_rules_page(self, view):
        return rules_page(self, view)

    @console_page("POST", "/office/<slug>/forms/rules", permission=staff.MANAGE_FORMS)
    def console_form_rule_page(self, view):
        form = view.form(*RULE_FIELDS)
        if form.require(template=RULE_WORDS["template"]):
            template_id = form["template"]
            try:
                self.forms.put_rule(view.practice["id"], _key(forms.TemplateKey, template_id, forms.TEMPLATE_NOT_FOUND),
                                    rule_body(form))
            except Exception as exc:
                refusal = expect(exc, VALIDATION_ERROR, forms.TEMPLATE_NOT_FOUND)
                if refusal.code == forms.TEMPLATE_NOT_FOUND.code:
                    form.refused(refusal, message="template")
                else:
                    refused_in_words(form, refusal, RULE_WORDS)
            else:
                return view.redirect(view.path("forms/rules"), notice="form-rule-saved")
        return rules_page(self, view, form)

    @console_page("POST", "/office/<slug>/forms/rules/<template_id>/remove", permission=staff.MANAGE_FORMS,
                  returns_to="forms/rules")
    def console_form_rule_remove_page(self, view, template_id):
        try:
            self.forms.delete_rule(view.practice["id"], _key(forms.TemplateKey, template_id, forms.RULE_NOT_FOUND))
        except Exception as exc:
            # Removed already (by a colleague, or a second click): what was asked holds.
            expect(exc, forms.RULE_NOT_FOUND)
        return view.redirect(view.path("forms/rules"), notice="form-rule-removed")
