"""Office API: submitted forms, for the PMS to import. Nothing waits on an office computer:
forms keeps every submission as `new` until the office acknowledges it, so the PMS connector
polls whenever it runs, imports each submission (its answers, its FHIR
QuestionnaireResponse, its printable HTML) and acknowledges it. The gateway adds the
printable document, from the same markup the console shows (macros/submission.html), and
writes every read to the audit log."""
from chairside.contracts import forms
from services.gateway import docs
from services.gateway.audit import record_reads
from services.gateway.console.display import Times
from services.gateway.http import OFFICE, route
from services.gateway.schemas import OfficeSubmission, OfficeSubmissions, SubmissionQueryString

SUBMISSIONS = "Form submissions"
PRINTABLE = "office/submission_print.html"
OFFICE_API = "office API"   # who acknowledged, as forms records it (a staff member is "staff:<id>")
READ, ACKNOWLEDGED = "form_submission_read", "form_submission_acknowledged"   # audit actions


def shown(submission, timezone):
    """A submission as its markup shows it: the time submitted in words, in the practice's zone."""
    return {**submission, "submitted_at_words": Times(timezone).moment(submission["submitted_at"])}


def printable_template():
    """The printable document's template, compiled once for all the submissions of an answer."""
    return docs.environment().get_template(PRINTABLE)


def printable(template, submission, practice):
    """A submission as a standalone HTML document: nothing but its own markup (no stylesheet,
    script or link back to the console), to be filed in the PMS."""
    return template.render(submission=shown(submission, practice["timezone"]), practice=practice, standalone=True,
                           back=None)


def audit_submissions(identity, practice_id, submissions, action=READ):
    """Each patient whose submissions are shown, written to the audit log once, by whoever
    the request acts for (the office API, a staff member)."""
    record_reads(identity, practice_id, [submission["patient_id"] for submission in submissions], action)


class OfficeFormSubmissionsApi:
    def office_submissions(self, call, submissions, action=READ):
        """forms' submissions with their printable HTML, each patient's read written to the audit log."""
        audit_submissions(self.identity, call.practice_id, submissions, action)
        template = printable_template()
        return [{**submission, "html": printable(template, submission, call.practice)} for submission in submissions]

    @route("GET", "/office/v1/form-submissions", tag=SUBMISSIONS, auth=OFFICE, query=SubmissionQueryString,
           answers=OfficeSubmissions, summary="Submitted forms to import into the PMS",
           description="Poll `status=new` whenever the PMS connector runs: each new submission comes with its "
                       "answers, a snapshot of the template version answered, its FHIR R4 "
                       "`questionnaire_response` and a printable `html` document. Import each into the PMS, then "
                       "acknowledge it (POST .../acknowledge): it leaves the new ones. Nothing is lost while no "
                       "office computer is on: submissions wait here until acknowledged. Oldest first, at most "
                       "`limit`; `status=acknowledged` lists those already imported.")
    def get_form_submissions(self, call):
        found = self.forms.get_submissions(call.practice_id, SubmissionQueryString().dump(call.query))
        return {"submissions": self.office_submissions(call, found["submissions"])}

    @route("GET", "/office/v1/form-submissions/<submission_id>", tag=SUBMISSIONS, auth=OFFICE,
           path=forms.SubmissionKey, answers=OfficeSubmission, refuses=(forms.SUBMISSION_NOT_FOUND,),
           summary="A submitted form, with its FHIR QuestionnaireResponse and printable HTML")
    def get_form_submission(self, call):
        submission = self.forms.get_submission(call.practice_id, str(call.path["submission_id"]))
        return self.office_submissions(call, [submission])[0]

    @route("POST", "/office/v1/form-submissions/<submission_id>/acknowledge", tag=SUBMISSIONS, auth=OFFICE,
           path=forms.SubmissionKey, answers=OfficeSubmission, refuses=(forms.SUBMISSION_NOT_FOUND,),
           summary="Acknowledge a submitted form once it is imported into the PMS",
           description="It leaves `status=new` for good (acknowledged by \"office API\"). Acknowledging it again "
                       "changes nothing and answers the same: a connector that stopped before it saw the answer "
                       "simply acknowledges again.")
    def acknowledge_form_submission(self, call):
        submission = self.forms.acknowledge_submission(call.practice_id, str(call.path["submission_id"]), OFFICE_API)
        return self.office_submissions(call, [submission], ACKNOWLEDGED)[0]
