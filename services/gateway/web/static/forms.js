/* The form pages' script (portal/forms_fill.html; pages/forms.py): the page works without it,
   but then a signature cannot be drawn and conditional questions always show.
   - autosave: the draft is saved in the background a moment after each change, and when the
     page is hidden or left (a phone that locks, a closed tab), with "Saved" said quietly;
   - signature pads: drawn with a finger or the mouse (pointer events), or typed as a full
     name drawn in a script font; the PNG goes into the hidden field the server reads;
   - conditional questions (enable_when) show only while their condition holds. */
(function () {
  "use strict";

  var AUTOSAVE_DELAY = 800;           // ms after the last change: one save per burst of typing
  var AUTOSAVE_HEADER = "X-Autosave"; // pages/forms.py answers 204 instead of a page
  var form = document.querySelector("form[data-autosave]");
  if (!form) {
    return;
  }
  var status = form.querySelector("[data-autosave-status]");
  // Its attribute, not form.action: the buttons named "action" shadow that property.
  var address = new URL(form.getAttribute("action"), window.location.href).href;

  // -- conditional questions ------------------------------------------------------------------

  function fieldValues(name) {
    var values = [];
    Array.prototype.forEach.call(form.elements, function (element) {
      if (element.name !== name || element.closest("[hidden]")) {
        return;   // a hidden question has no answer (FHIR's enableWhen)
      }
      if ((element.type === "radio" || element.type === "checkbox") && !element.checked) {
        return;
      }
      if (element.value !== "") {
        values.push(element.value);
      }
    });
    return values;
  }

  function compare(value, condition) {
    var expected = condition.answer;
    var type = condition.answer_type;
    var actual = value;
    if (type === "boolean") {
      actual = value === "yes";
    } else if (type === "integer" || type === "decimal") {
      actual = Number(value);
      expected = Number(expected);
      if (isNaN(actual)) {
        return false;
      }
    }
    switch (condition.operator) {
      case "=": return actual === expected;
      case "!=": return actual !== expected;
      case ">": return actual > expected;
      case "<": return actual < expected;
      case ">=": return actual >= expected;
      case "<=": return actual <= expected;
      default: return false;
    }
  }

  function holds(condition) {
    var values = fieldValues(condition.question);
    if (condition.operator === "exists") {
      return (values.length > 0) === Boolean(condition.answer);
    }
    if (condition.operator === "!=") {
      return values.length > 0 && values.every(function (value) { return compare(value, condition); });
    }
    return values.some(function (value) { return compare(value, condition); });
  }

  var conditional = Array.prototype.slice.call(form.querySelectorAll("[data-enable-when]"));

  function applyConditions() {
    // In page order: a question's condition may look at one shown only by an earlier condition.
    conditional.forEach(function (element) {
      var conditions = JSON.parse(element.getAttribute("data-enable-when"));
      var any = element.getAttribute("data-enable-behavior") === "any";
      element.hidden = !(any ? conditions.some(holds) : conditions.every(holds));
    });
  }

  // -- signature pads -------------------------------------------------------------------------

  function signaturePad(pad) {
    var fieldset = pad.closest("fieldset");
    var canvas = pad.querySelector("canvas");
    var value = fieldset.querySelector("[data-signature-value]");
    var typed = pad.querySelector("[data-signature-typed]");
    var context = canvas.getContext("2d");
    var drawing = false;
    pad.hidden = false;

    function clear() {
      context.clearRect(0, 0, canvas.width, canvas.height);
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {x: (event.clientX - box.left) * canvas.width / box.width,
              y: (event.clientY - box.top) * canvas.height / box.height};
    }

    function store() {
      value.value = canvas.toDataURL("image/png");
      changed();
    }

    context.lineWidth = 3;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#111";

    if (value.value.indexOf("data:image/png;base64,") === 0) {   // the draft's signature
      var image = new Image();
      image.onload = function () { context.drawImage(image, 0, 0, canvas.width, canvas.height); };
      image.src = value.value;
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var at = point(event);
      context.beginPath();
      context.moveTo(at.x, at.y);
      context.lineTo(at.x + 0.1, at.y + 0.1);   // a tap leaves a dot
      context.stroke();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) {
        return;
      }
      var at = point(event);
      context.lineTo(at.x, at.y);
      context.stroke();
    });
    function finish() {
      if (drawing) {
        drawing = false;
        store();
      }
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);

    pad.querySelector("[data-signature-clear]").addEventListener("click", function () {
      clear();
      typed.value = "";
      value.value = "";
      changed();
    });

    typed.addEventListener("input", function () {
      clear();
      var name = typed.value.trim();
      if (!name) {
        value.value = "";
        changed();
        return;
      }
      var size = 72;
      context.fillStyle = "#111";
      context.textBaseline = "middle";
      do {   // the whole name fits the box
        context.font = "italic " + size + "px \"Brush Script MT\", \"Segoe Script\", cursive";
        size -= 4;
      } while (size > 16 && context.measureText(name).width > canvas.width - 40);
      context.fillText(name, 20, canvas.height / 2);
      store();
    });
  }

  // -- autosave ------------------------------------------------------------------------------

  var timer = null;
  var dirty = false;

  function say(words) {
    if (status) {
      status.textContent = words;
    }
  }

  function save() {
    clearTimeout(timer);
    timer = null;
    if (!dirty) {
      return;
    }
    dirty = false;
    var body = new URLSearchParams(new FormData(form));
    body.set("action", "save");
    var headers = {"Content-Type": "application/x-www-form-urlencoded"};
    headers[AUTOSAVE_HEADER] = "1";
    fetch(address, {method: "POST", body: body, headers: headers, credentials: "same-origin",
                        redirect: "manual", keepalive: true}).then(function (answer) {
      say(answer.status === 204 ? "Saved" : "Not saved: use \"Save and continue later\".");
    }, function () {
      dirty = true;   // offline for a moment: the next change or leaving tries again
      say("Not saved yet.");
    });
  }

  function changed() {
    dirty = true;
    applyConditions();
    clearTimeout(timer);
    timer = setTimeout(save, AUTOSAVE_DELAY);
  }

  form.addEventListener("input", function (event) {
    if (!event.target.hasAttribute("data-signature-typed")) {   // the typed name saves as its drawing
      changed();
    }
  });
  form.addEventListener("change", function (event) {
    if (!event.target.hasAttribute("data-signature-typed")) {
      changed();
    }
  });
  form.addEventListener("submit", function () {
    clearTimeout(timer);   // the button's own post saves or submits
    dirty = false;
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      save();
    }
  });
  window.addEventListener("pagehide", save);

  Array.prototype.forEach.call(form.querySelectorAll("[data-signature]"), signaturePad);
  applyConditions();
}());
