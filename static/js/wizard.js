// The wizard's small, CSP-safe behaviour. Everything works without it; this only makes it nicer.
(function () {
  "use strict";

  // The identifier follows the name until the person edits the identifier themselves.
  function slug(text) {
    var s = text.trim().replace(/[^A-Za-z0-9_]+/g, "_").replace(/_+/g, "_").replace(/^_+|_+$/g, "").toLowerCase();
    if (s && !/^[A-Za-z_]/.test(s)) { s = "_" + s; }
    return s.slice(0, 128);
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.matches("[data-wizard-name]")) {
      var form = target.form;
      var identifier = form && form.querySelector("[data-wizard-identifier]");
      var edited = form && form.querySelector("[data-wizard-identifier-edited]");
      if (identifier && edited && edited.value !== "1" && !identifier.disabled) {
        identifier.value = slug(target.value);
        identifier.dispatchEvent(new Event("input", { bubbles: true }));
      }
    } else if (target.matches("[data-wizard-identifier]") && event.isTrusted) {
      var mark = target.form && target.form.querySelector("[data-wizard-identifier-edited]");
      if (mark) { mark.value = "1"; }
    }
  });

  // Enter in a picker's search box searches; it does not submit the step.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-picker-search]")) {
      event.preventDefault();
      if (window.htmx) { window.htmx.trigger(event.target, "search"); }
    }
  });

  // After an htmx swap: focus what the server asked for (a new row), else the first error of
  // what a POST (a row action, the code paste) sent back. A GET is a picker's options (a search,
  // a template's versions): it shows no failure of the person's, and the focus stays on the
  // radio or search box they were using.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt || document;
    var wanted = root.querySelector ? root.querySelector("[data-autofocus]") : null;
    if (wanted) {
      wanted.focus();
      wanted.removeAttribute("data-autofocus");
      return;
    }
    var config = event.detail.requestConfig;
    if (!config || config.verb === "get") { return; }
    var failed = root.querySelector ? root.querySelector(".field--error input, .field--error select, .field--error textarea, [aria-invalid=true]") : null;
    // (portal.js may have focused the swapped region itself, for want of anything better.)
    var active = document.activeElement;
    var focusOutside = active === root || !root.contains(active);
    if (failed && root.id !== "variable-checks" && focusOutside) { failed.focus(); }
  });

  // An autosave names the error messages of fields (and rows) that are valid now: clear them,
  // with their inputs' aria-invalid. A message about a field still invalid stays as it is.
  function clearError(message) {
    message.textContent = "";
    if (message.tagName === "UL") { message.hidden = true; }
    var box = message.closest(".field--error, .row--error");
    if (box) { box.classList.remove("field--error", "row--error"); }
    document.querySelectorAll("[aria-invalid]").forEach(function (input) {
      var described = (input.getAttribute("aria-describedby") || "").split(/\s+/);
      if (described.indexOf(message.id) !== -1) { input.removeAttribute("aria-invalid"); }
    });
  }

  // A row flagged by its check as you type: the fields its message names (data-invalid) are
  // marked invalid, the others it describes no longer are, as the page itself marks them.
  function markError(message) {
    var invalid = message.dataset.invalid.split(/\s+/);
    var box = message.closest(".row");
    if (box) { box.classList.add("row--error"); }
    (box || document).querySelectorAll("[aria-describedby]").forEach(function (input) {
      var described = input.getAttribute("aria-describedby").split(/\s+/);
      if (described.indexOf(message.id) === -1) { return; }
      if (invalid.indexOf(input.id) !== -1) { input.setAttribute("aria-invalid", "true"); }
      else { input.removeAttribute("aria-invalid"); }
    });
  }

  // A row check as you type answers with the whole summary of the variables' problems, inside a
  // live region: swapped in again unchanged, it would be read out again at each typing pause.
  // Only a changed summary is swapped in; the rows' messages (out of band) always are.
  function summaryText(checks) {
    return Array.prototype.filter.call(checks.children, function (child) {
      return !child.hasAttribute("hx-swap-oob");
    }).map(function (child) { return child.textContent; }).join(" ").replace(/\s+/g, " ").trim();
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var current = event.detail.target;
    if (!current || current.id !== "variable-checks" || !event.detail.shouldSwap) { return; }
    var html = new DOMParser().parseFromString(event.detail.serverResponse, "text/html");
    var incoming = html.getElementById("variable-checks");
    if (incoming && summaryText(incoming) === summaryText(current)) {
      event.detail.swapOverride = "none";
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.id) { return; }
    if (elt.id === "save-state" && elt.dataset.clearedErrors) {
      elt.dataset.clearedErrors.split(" ").forEach(function (id) {
        var message = document.getElementById(id);
        if (message) { clearError(message); }
      });
    } else if (elt.id === "identifier-check") {
      var input = document.querySelector("[aria-describedby~=identifier-status]");
      if (input && elt.dataset.invalid === "true") { input.setAttribute("aria-invalid", "true"); }
      else if (input) { input.removeAttribute("aria-invalid"); }
    } else if (elt.id === "variable-checks") {
      // Rows checked as you type: their messages came out of band; an empty one is a valid row.
      document.querySelectorAll(".row__error").forEach(function (message) {
        if (!message.textContent.trim()) { clearError(message); }
        else if (message.dataset.invalid !== undefined) { markError(message); }
      });
    }
  });

  // A secret reference that is not in the list Harness gave the page (when the whole list is
  // there) is flagged on its row as it is typed; Harness would refuse it at submit.
  function checkSecret(input) {
    var warning = document.getElementById(input.dataset.secretWarning);
    var list = document.getElementById("secret-datalist");
    if (!warning) { return; }
    // The row's error (Harness's refusal, or a rule) already says it: one message at a time.
    var error = document.getElementById(input.dataset.secretWarning.replace(/-warning$/, "-error"));
    var value = error && error.textContent.trim() ? "" : input.value.trim();
    var known = list && list.dataset.complete === "true" ?
      Array.prototype.map.call(list.options, function (option) { return option.value; }) : null;
    var text = known && value && known.indexOf(value) === -1 ?
      value + " " + warning.dataset.message : "";
    // Written only when it changes: written again (after each htmx swap), it is read out again.
    if (warning.textContent !== text) { warning.textContent = text; }
  }

  function checkSecrets() {
    document.querySelectorAll("[data-secret-warning]").forEach(checkSecret);
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-secret-warning]")) { checkSecret(event.target); }
  });
  document.addEventListener("htmx:afterSettle", checkSecrets);
  document.addEventListener("DOMContentLoaded", checkSecrets);

  // Autosave. The step form posts itself on every change, one save at a time (hx-sync "queue
  // last": a change made while a save is on its way waits behind it). Until the last one is in,
  // the status says so, and a link that leaves the page waits for it: leaving at once would
  // drop the queued save and lose the last edit without a word. No beforeunload prompt: the
  // wait is enough. A save that fails keeps the person here, with the failure on screen.
  var SAVING = "Saving…";
  var FAILED = "Your last change was not saved. Change it again, or use Save and continue.";
  var leaveTo = null;

  function stepForm() { return document.getElementById("step-form"); }

  // The status's text is #save-state, inside the #save-status live region that stays.
  function showStatus(text, failed) {
    var status = document.getElementById("save-state");
    if (!status) { return; }
    status.textContent = text;
    // A data attribute, not a class: htmx gives a swapped-in element the old one's classes
    // until it settles.
    if (failed) { delete status.dataset.saving; } else { status.dataset.saving = "true"; }
    status.classList.toggle("save-status--failed", failed);
    status.classList.remove("save-status--warn");
    delete status.dataset.clearedErrors;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target === stepForm()) { showStatus(SAVING, false); }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = stepForm();
    if (event.target !== form) { return; }
    var status = document.getElementById("save-state");
    // A saved change swaps in a new status; an error status, a lost connection, or an answer
    // sent elsewhere (Harness's alert) leaves the "Saving…" one.
    if (!event.detail.successful || (status && status.dataset.saving)) {
      showStatus(FAILED, true);
      leaveTo = null;
    }
    // htmx sends a queued save right after this event: leave only if it did not.
    window.setTimeout(function () {
      if (!leaveTo || form.classList.contains("htmx-request")) { return; }
      var destination = leaveTo;
      leaveTo = null;
      window.location.assign(destination);
    }, 0);
  });

  document.addEventListener("click", function (event) {
    var form = stepForm();
    var link = event.target.closest && event.target.closest("a[href]");
    if (!form || !link || !form.classList.contains("htmx-request")) { return; }
    var modified = event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey;
    var elsewhere = (link.target && link.target !== "_self") || link.hasAttribute("download");
    var samePage = link.href.split("#")[0] === window.location.href.split("#")[0] && link.hash;
    if (event.defaultPrevented || modified || elsewhere || samePage) { return; }
    event.preventDefault();
    leaveTo = link.href;
  });

  // On page load a requested focus wins over portal.js's first-error focus, not over the error
  // message it focused (why the person was sent back here: the last thing that happened).
  document.addEventListener("DOMContentLoaded", function () {
    var wanted = document.querySelector("[data-autofocus]");
    var active = document.activeElement;
    if (active && active.closest && active.closest(".messages")) { return; }
    if (wanted) { wanted.focus(); }
  });
  // Copy buttons (the review's JSON) are wired in portal.js.
})();
