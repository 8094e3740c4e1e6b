/* The portal's only script: small comforts on top of pages that work without it.
   - the error summary gets focus when a form comes back with errors (autofocus does it too);
   - "Copy the key" copies the authenticator key;
   - "Show password" reveals what was typed in a password field. */
(function () {
  "use strict";

  var summary = document.querySelector("[data-error-summary]");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".copy-status");
    if (!source || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        if (status) { status.textContent = "Copied."; }
      }, function () {
        if (status) { status.textContent = "Could not copy: select the text and copy it yourself."; }
      });
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("input[data-reveal]"), function (input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary reveal";
    button.textContent = "Show password";
    button.setAttribute("aria-controls", input.id);
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      var shown = input.type === "password";
      input.type = shown ? "text" : "password";
      button.setAttribute("aria-pressed", shown ? "true" : "false");
    });
    input.parentNode.appendChild(button);
  });
}());
