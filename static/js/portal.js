// Small, CSP-safe behaviour: no inline handlers anywhere, everything wired from here.
(function () {
  "use strict";

  // A submit button shows it is working and cannot be pressed twice while the page submits.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = form.querySelector("button[type=submit][data-busy-label]");
    if (!button || form.dataset.submitted === "1") {
      if (button) { event.preventDefault(); }
      return;
    }
    form.dataset.submitted = "1";
    button.setAttribute("aria-busy", "true");
    button.dataset.label = button.textContent;
    button.textContent = button.dataset.busyLabel;
  });

  // Coming back through the browser's back-forward cache re-enables the form.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      delete form.dataset.submitted;
      var button = form.querySelector("button[aria-busy]");
      if (button) {
        button.removeAttribute("aria-busy");
        if (button.dataset.label) { button.textContent = button.dataset.label; }
      }
    });
  });

  // A field with an error is focused first, so keyboard and screen-reader users land on it.
  document.addEventListener("DOMContentLoaded", function () {
    var first = document.querySelector(".field--error input, .field--error select, .field--error textarea");
    if (first) { first.focus(); }
  });
})();
