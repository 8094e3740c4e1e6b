"""Patient API: two-step sign-in, sessions, second factors and the family view."""
from services.gateway.http import bearer_token, json_body, request_id, route


class PatientApi:
    @route("POST", "/api/v1/login")
    def login(self, request):
        body = json_body(request)
        return self.identity.login(body.get("practice"), body.get("username"), body.get("password"),
                                   request_id(request))

    @route("POST", "/api/v1/login/<challenge_id>/sms")
    def send_login_code(self, request, challenge_id):
        self.identity.send_login_code(challenge_id, request_id(request))
        return 202, {"status": "sent"}

    @route("POST", "/api/v1/login/<challenge_id>/verify")
    def verify_login(self, request, challenge_id):
        return self.identity.verify_login(challenge_id, json_body(request).get("code"), request_id(request))

    @route("POST", "/api/v1/logout")
    def logout(self, request):
        self.identity.logout(bearer_token(request), request_id(request))
        return 204, None

    @route("PUT", "/api/v1/me/password")
    def change_password(self, request):
        body = json_body(request)
        self.identity.change_password(bearer_token(request), body.get("current_password"),
                                      body.get("new_password"), request_id(request))
        return 204, None

    @route("POST", "/api/v1/me/totp")
    def start_totp(self, request):
        return 201, self.identity.start_totp(bearer_token(request), request_id(request))

    @route("POST", "/api/v1/me/totp/confirm")
    def confirm_totp(self, request):
        self.identity.confirm_totp(bearer_token(request), json_body(request).get("code"), request_id(request))
        return 204, None

    @route("POST", "/api/v1/me/recovery-codes")
    def new_recovery_codes(self, request):
        return 201, self.identity.new_recovery_codes(bearer_token(request), request_id(request))

    @route("GET", "/api/v1/me")
    def me(self, request):
        return self.identity.me(bearer_token(request), request_id(request))
