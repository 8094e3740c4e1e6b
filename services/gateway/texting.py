"""Office API: texting set-up. Which clinics text, from which number, and the practice's
default texting clinic (it texts the patients whose own clinic cannot). sms owns the
settings and their rules; clinics are named here by the PMS's external ids."""
from chairside.errors import NotFound, ValidationFailed
from services.gateway.http import json_body, route


def _fields(body, required=(), optional=()):
    """The body's fields by name: unknown or missing ones answer VALIDATION_ERROR."""
    errors = {name: ["Unknown field."] for name in sorted(set(body) - set(required) - set(optional))}
    errors.update({name: ["Missing data for required field."] for name in required if name not in body})
    if errors:
        raise ValidationFailed("The request is not valid.", fields=errors)
    return {name: body.get(name) for name in (*required, *optional)}


def _clinic_view(settings):
    return {"clinic": settings["external_id"], "name": settings["name"],
            "subscribed": settings["subscribed"], "number": settings["number"]}


class OfficeTextingApi:
    @route("PUT", "/office/v1/clinics/<external_id>/texting")
    def put_clinic_texting(self, request, external_id):
        practice = self._practice(request)
        body = _fields(json_body(request), required=("subscribed",), optional=("number",))
        clinic = self.identity.get_clinic(practice["id"], external_id)
        settings = self.sms.set_clinic_texting(practice["id"], clinic["id"], body["subscribed"], body["number"],
                                               external_id=clinic["external_id"])
        return {"clinic": clinic["external_id"], "subscribed": settings["subscribed"], "number": settings["number"]}

    @route("PUT", "/office/v1/texting")
    def put_texting(self, request):
        practice = self._practice(request)
        external_id = _fields(json_body(request), required=("default_clinic",))["default_clinic"]
        if external_id is None:
            clinic_id = None
        elif not isinstance(external_id, str):
            raise ValidationFailed("The request is not valid.",
                                   fields={"default_clinic": ["Must be a clinic's external id or null."]})
        else:
            try:
                clinic_id = self.identity.get_clinic(practice["id"], external_id)["id"]
            except NotFound as exc:
                raise ValidationFailed("The request is not valid.", fields={"default_clinic": [exc.message]})
        self.sms.set_default_texting_clinic(practice["id"], clinic_id)
        return {"default_clinic": external_id}

    @route("GET", "/office/v1/texting")
    def get_texting_settings(self, request):
        practice = self._practice(request)
        settings = self.sms.get_texting_settings(practice["id"])
        default = next((clinic["external_id"] for clinic in settings["clinics"]
                        if clinic["clinic_id"] == settings["default_clinic_id"]), None)
        return {"default_clinic": default, "clinics": [_clinic_view(clinic) for clinic in settings["clinics"]]}
