"""The practice's staff (MANAGE_STAFF): who may sign in to the console and in which role.
A new account and a reset hand out a temporary password, shown once. identity decides
every rule (never yourself, never the last administrator); these pages put its refusals
into words."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from chairside.contracts import identity, staff
from chairside.refusals import VALIDATION_ERROR
from services.gateway.pages.web import CONSOLE, console_page, expect, notices

ROLE_CHOICES = [(role, staff.ROLE_NAMES[role]) for role in staff.ROLES]
ACTION_REFUSALS = (staff.NOT_YOURSELF, staff.LAST_ADMIN, staff.STAFF_NOT_FOUND, VALIDATION_ERROR)
# What people type to make a phone number readable; identity checks what is left (E.164).
PHONE_PUNCTUATION = re.compile(r"[\s().-]")

notices(CONSOLE, **{
    "staff-disabled": "The account is disabled: it was signed out everywhere and cannot sign in until it is "
                      "enabled again.",
    "staff-enabled": "The account is enabled: its owner can sign in again.",
})


def local_time(value, zone):
    """An instant identity sent (ISO 8601) as the office reads it: in the practice's time zone."""
    moment = datetime.fromisoformat(value).astimezone(ZoneInfo(zone))
    return f"{moment:%b} {moment.day}, {moment.year}, {moment.hour % 12 or 12}:{moment:%M %p}"


def with_role_name(member):
    return {**member, "role_name": staff.ROLE_NAMES[member["role"]]}


def row(member, view):
    """One staff member as the table shows them: their role and status in words
    (identity sends `locked_until` only while a lockout lasts)."""
    zone = view.practice["timezone"]
    if not member["active"]:
        status = "Disabled"
    elif member["locked_until"]:
        status = f"Locked until {local_time(member['locked_until'], zone)}"
    else:
        status = "Active"
    return {**with_role_name(member), "status": status,
            "you": member["id"] == view.signed_in["staff_id"],
            "last_sign_in": local_time(member["last_sign_in_at"], zone) if member["last_sign_in_at"] else None}


def staff_list(service, view, form=None):
    """The staff page; `form` carries a refused action's words to the top of it."""
    members = service.identity.list_staff(view.practice["id"])["staff"]
    return view.render("office/staff.html", form.status if form else 200, form=form,
                       members=[row(member, view) for member in members])


def temporary_password(view, access, reset):
    """The page that shows a temporary password, the only time anyone sees it."""
    return view.render("office/staff_access.html", member=with_role_name(access["staff"]),
                       password=access["temporary_password"], reset=reset)


def act(service, view, rpc, staff_id, *acting, done):
    """Ask identity's `rpc` to act on a staff member of this practice (`acting`: the
    signed-in staff member, for identity's rules about one's own account); `done(answer)`
    is the page after it, and a refusal shows the staff page again with its words on top."""
    try:
        answer = rpc(view.practice["id"], staff_id, *acting)
    except Exception as exc:
        form = view.form()
        form.refused(expect(exc, *ACTION_REFUSALS))
        return staff_list(service, view, form)
    return done(answer)


def back_to_list(view, notice):
    return lambda _: view.redirect(view.path("staff"), notice=notice)


class StaffPages:
    @console_page("GET", "/office/<slug>/staff", permission=staff.MANAGE_STAFF)
    def staff_page(self, view):
        return staff_list(self, view)

    @console_page("GET,POST", "/office/<slug>/staff/new", permission=staff.MANAGE_STAFF)
    def new_staff_page(self, view):
        form = view.form("username", "name", "role", "mobile_phone")
        if view.request.method == "POST" and form.require(
                username="Enter a username.", name="Enter the person's name.", role="Choose a role.",
                mobile_phone="Enter their mobile phone number."):
            try:
                access = self.identity.create_staff(view.practice["id"], {
                    **form.values, "mobile_phone": PHONE_PUNCTUATION.sub("", form["mobile_phone"])})
            except Exception as exc:
                refusal = expect(exc, identity.USERNAME_TAKEN, VALIDATION_ERROR)
                form.refused(refusal, message="username" if refusal.code == identity.USERNAME_TAKEN.code else True)
            else:
                return temporary_password(view, access, reset=False)
        return view.render("office/staff_new.html", form.status, form=form, roles=ROLE_CHOICES)

    @console_page("POST", "/office/<slug>/staff/<staff_id>/disable", permission=staff.MANAGE_STAFF,
                  returns_to="staff")
    def disable_staff_page(self, view, staff_id):
        return act(self, view, self.identity.disable_staff, staff_id, view.signed_in["staff_id"],
                   done=back_to_list(view, "staff-disabled"))

    @console_page("POST", "/office/<slug>/staff/<staff_id>/enable", permission=staff.MANAGE_STAFF,
                  returns_to="staff")
    def enable_staff_page(self, view, staff_id):
        return act(self, view, self.identity.enable_staff, staff_id, done=back_to_list(view, "staff-enabled"))

    @console_page("POST", "/office/<slug>/staff/<staff_id>/reset", permission=staff.MANAGE_STAFF,
                  returns_to="staff")
    def reset_staff_page(self, view, staff_id):
        return act(self, view, self.identity.reset_staff_access, staff_id, view.signed_in["staff_id"],
                   done=lambda access: temporary_password(view, access, reset=True))
