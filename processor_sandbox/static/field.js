/* The hosted card field's script: on {type: "chairside:tokenize"} from an allowed parent
   origin, it posts the card to this sandbox's own POST /v1/tokens and answers that origin
   with {type: "chairside:token", ...} or {type: "chairside:card-error", message, code}.
   It also tells the parent its height ("chairside:ready", "chairside:resize"). The card
   number and security code go nowhere else: never to the parent. */
(function () {
  "use strict";

  var origins = (document.body.getAttribute("data-parent-origins") || "").split(" ").filter(Boolean);
  var form = document.getElementById("card-form");
  var announce = document.getElementById("announce");
  var inputs = {
    number: document.getElementById("number"),
    expiry: document.getElementById("expiry"),
    cvc: document.getElementById("cvc")
  };
  var busy = false;

  function tell(message, origin) {
    if (window.parent === window) { return; }
    (origin ? [origin] : origins).forEach(function (target) {
      window.parent.postMessage(message, target);
    });
  }

  function height() {
    return Math.ceil(document.documentElement.getBoundingClientRect().height);
  }

  function showError(field, message) {
    var input = inputs[field] || inputs.number;
    var error = document.getElementById(input.id + "-error");
    error.textContent = message;
    error.hidden = false;
    input.setAttribute("aria-invalid", "true");
  }

  function clearErrors() {
    Object.keys(inputs).forEach(function (field) {
      var error = document.getElementById(inputs[field].id + "-error");
      error.textContent = "";
      error.hidden = true;
      inputs[field].setAttribute("aria-invalid", "false");
    });
    announce.textContent = "";
  }

  function fail(origin, field, message, code) {
    showError(field, message);
    announce.textContent = message;
    (inputs[field] || inputs.number).focus();
    tell({type: "chairside:card-error", message: message, code: code || "invalid_card"}, origin);
    tell({type: "chairside:resize", height: height()}, origin);
  }

  function digits(value) {
    return value.replace(/[\s-]/g, "");
  }

  // "MM/YY", "MM / YYYY", "MMYY": {month, year} or null
  function expiry(value) {
    var match = /^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(value);
    return match ? {month: parseInt(match[1], 10), year: parseInt(match[2], 10)} : null;
  }

  function tokenize(origin) {
    if (busy) { return; }
    clearErrors();
    var number = digits(inputs.number.value);
    var exp = expiry(inputs.expiry.value);
    var cvc = inputs.cvc.value.trim();
    if (!/^\d{12,19}$/.test(number)) { return fail(origin, "number", "Enter the card number.", "invalid_number"); }
    if (!exp) { return fail(origin, "expiry", "Enter the expiry date as MM/YY.", "invalid_expiry"); }
    if (!/^\d{3,4}$/.test(cvc)) { return fail(origin, "cvc", "Enter the card's security code.", "invalid_cvc"); }
    busy = true;
    fetch("v1/tokens", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({number: number, exp_month: exp.month, exp_year: exp.year, cvc: cvc}),
      credentials: "omit",
      cache: "no-store"
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (result) {
      busy = false;
      var body = result.body;
      if (!result.ok) { return fail(origin, body.field, body.message, body.error); }
      tell({type: "chairside:token", token: body.token, brand: body.brand, last4: body.last4,
            exp_month: body.exp_month, exp_year: body.exp_year}, origin);
    }).catch(function () {
      busy = false;
      fail(origin, "number", "The card could not be checked. Try again.", "processor_unavailable");
    });
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || origins.indexOf(event.origin) === -1) { return; }
    if (event.data && event.data.type === "chairside:tokenize") { tokenize(event.origin); }
  });

  // The form has no action: Enter in a field must not try to send it anywhere.
  form.addEventListener("submit", function (event) { event.preventDefault(); });

  // group the number in fours as it is typed, keeping the caret at the end
  inputs.number.addEventListener("input", function () {
    var compact = digits(inputs.number.value).replace(/\D/g, "").slice(0, 19);
    inputs.number.value = compact.replace(/(\d{4})(?=\d)/g, "$1 ");
  });

  tell({type: "chairside:ready", height: height()});
})();
