/* The payment form's script (portal/payments.html). Without it a saved card still pays.
   - "Another amount" and "A new card" show their fields only when chosen;
   - a new card: on Pay, the processor's hosted field (an iframe of the processor's own) is
     asked for a single-use token ({type: "chairside:tokenize"}); its answer fills the hidden
     token field and the form is sent. The card number never enters this page: only the
     token, brand and last 4 come back. Messages are taken only from the field's origin and
     window;
   - the form is sent once: a second click while it is on its way does nothing (the hidden
     idempotency key would make the server charge once anyway). */
(function () {
  "use strict";

  var form = document.querySelector("[data-pay-form]");
  if (!form) { return; }
  var origin = form.getAttribute("data-field-origin");
  var frame = form.querySelector("[data-card-field]");
  var tokenInput = form.querySelector("[data-card-token]");
  var button = form.querySelector("[data-pay-button]");
  var status = form.querySelector("[data-pay-status]");
  var panel = form.querySelector("[data-new-card-panel]");
  var other = document.getElementById("other_amount");
  var sending = false;
  var waitingForToken = false;

  // A choice made by the page itself (the payment portal takes only a new card) is a hidden field.
  function chosen(name) {
    var input = form.querySelector("input[name='" + name + "']:checked") ||
      form.querySelector("input[type='hidden'][name='" + name + "']");
    return input ? input.value : null;
  }

  function toggle() {
    if (panel) { panel.hidden = chosen("card") !== "new"; }
    if (other) { other.closest(".conditional").hidden = chosen("amount_choice") !== "other"; }
  }

  function busy(words) {
    button.disabled = true;
    button.setAttribute("aria-disabled", "true");
    status.textContent = words;
  }

  function ready(words) {
    sending = false;
    waitingForToken = false;
    button.disabled = false;
    button.removeAttribute("aria-disabled");
    status.textContent = words || "";
  }

  form.addEventListener("change", toggle);
  toggle();

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !frame || event.source !== frame.contentWindow) { return; }
    var message = event.data || {};
    if ((message.type === "chairside:ready" || message.type === "chairside:resize") && message.height) {
      frame.style.height = message.height + "px";
    } else if (message.type === "chairside:token" && waitingForToken) {
      waitingForToken = false;
      tokenInput.value = message.token;
      busy("Paying…");
      form.submit();
    } else if (message.type === "chairside:card-error" && waitingForToken) {
      ready(message.message || "Check your card's details.");
    }
  });

  form.addEventListener("submit", function (event) {
    if (sending) { event.preventDefault(); return; }
    sending = true;
    if (chosen("card") === "new" && !tokenInput.value && frame) {
      event.preventDefault();
      waitingForToken = true;
      busy("Checking your card…");
      frame.contentWindow.postMessage({type: "chairside:tokenize"}, origin);
      return;
    }
    busy("Paying…");
  });

  // Back to this page from the receipt (the browser's page cache): the form works again.
  window.addEventListener("pageshow", function () { ready(); toggle(); });
}());
