// Small, CSP-safe behaviour: no inline handlers anywhere, everything wired from here.
(function () {
  "use strict";

  // A submit button shows it is working and cannot be pressed twice while the page submits;
  // in a form of several (Approve and send, Reject), the one pressed shows it, and none of them
  // can be pressed again.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var busy = "button[type=submit][data-busy-label]";
    var pressed = event.submitter;
    var button = pressed && pressed.matches(busy) ? pressed : form.querySelector(busy);
    if (!button || form.dataset.submitted === "1") {
      if (button) { event.preventDefault(); }
      return;
    }
    form.dataset.submitted = "1";
    button.setAttribute("aria-busy", "true");
    button.dataset.label = button.textContent;
    button.textContent = button.dataset.busyLabel;
  });

  function release(form) {
    delete form.dataset.submitted;
    var button = form.querySelector("button[aria-busy]");
    if (button) {
      button.removeAttribute("aria-busy");
      if (button.dataset.label) { button.textContent = button.dataset.label; }
    }
  }

  // Coming back through the browser's back-forward cache re-enables the form.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitted]").forEach(release);
  });

  // An answer for an element or a target that was replaced while the answer was on its way
  // (All workspaces' poll for the previous filters, once a filter change swapped the results)
  // is dropped whole: htmx would look for its out-of-band parts (the count, the filter state)
  // in the detached copy, and report them missing. So that no click is lost that way:
  // - a GET pressed on a control that was redrawn meanwhile while its target stayed (a sort
  //   or a page link in All workspaces' rows, redrawn by a project's Try again) is sent again
  //   from the control's new copy (the same id), as it reads now;
  // - a region's own GET (All workspaces' long poll, a status overview loading itself) is
  //   dropped when a request started after it was sent from inside the region, to redraw the
  //   region or more (a sort, a page, a Try again pressed in the rows): the later answer
  //   redraws it; should the later request end without redrawing it (an error, a dropped
  //   connection), the region's GET is sent again, so the poll goes on;
  // - a GET for a region still loading itself (hx-trigger="load": a project's status overview,
  //   which sends the list's state, hx-include; All workspaces' strip, whose window links are
  //   built from the address it was asked from, HX-Current-URL), its own load or the Try again
  //   shown when that failed, answered after the address changed (a search typed meanwhile,
  //   its answer in first) is dropped and sent again: it describes the state it was sent with.
  // A press (a link, a form) is never dropped for a later request, nor is a write's answer.
  // htmx's own hx-sync abort would do part of it, but logs every abort as an error. Where
  // the later request targets outside the region (a chip, chart bar or window link in a
  // project's #status-overview, targeting #workspace-browser), the element and whatever
  // redraws that region (the strip's Refresh) are synced on the target's requests (hx-sync=
  // "#workspace-browser:queue last"). The events of a detached element reach only that
  // element, so the listeners are put on the element itself when its request starts.
  var onTheirWay = [];  // in the order they started
  document.addEventListener("htmx:beforeSend", function (event) {
    var elt = event.detail.elt;
    var request = {
      elt: elt, target: event.detail.target, xhr: event.detail.xhr, whenEnded: [],
      address: window.location.href
    };
    onTheirWay.push(request);
    // The element's listeners hear its descendants' requests too (events bubble): each one
    // answers only to its own request, and both go when it ends (answered, failed or aborted).
    function loaded(answer) {
      if (answer.detail.xhr !== request.xhr) { return; }
      var target = answer.detail.target;
      var get = answer.detail.requestConfig.verb === "get";
      if (!elt.isConnected || !target.isConnected) {
        answer.preventDefault();
        var copy = elt.id && document.getElementById(elt.id);
        if (get && elt !== target && target.isConnected && copy && copy.getAttribute("hx-get")) {
          htmx.ajax("GET", copy.getAttribute("hx-get"), { source: copy });
        }
        return;
      }
      if (get && target.getAttribute("hx-trigger") === "load" && request.address !== window.location.href) {
        answer.preventDefault();
        // Queued by htmx behind this request; its state (hx-include, the address) is read when
        // it is sent.
        htmx.ajax("GET", elt.getAttribute("hx-get"), { source: elt, target: target });
        return;
      }
      var startedLater = onTheirWay.slice(onTheirWay.indexOf(request) + 1);
      var laterRedraw = get && elt === target && startedLater.filter(function (later) {
        return later.elt !== elt && later.elt.isConnected && target.contains(later.elt) &&
          later.target && later.target.contains(target);
      })[0];
      if (laterRedraw) {
        var path = answer.detail.requestConfig.path;
        answer.preventDefault();
        laterRedraw.whenEnded.push(function () {
          if (elt.isConnected) { htmx.ajax("GET", path, { source: elt, target: elt }); }
        });
      }
    }
    function ended(answer) {
      if (answer.detail.xhr !== request.xhr) { return; }
      elt.removeEventListener("htmx:beforeOnLoad", loaded);
      elt.removeEventListener("htmx:afterRequest", ended);
      onTheirWay = onTheirWay.filter(function (other) { return other !== request; });
      request.whenEnded.forEach(function (then) { then(); });
    }
    elt.addEventListener("htmx:beforeOnLoad", loaded);
    elt.addEventListener("htmx:afterRequest", ended);
  });

  // An htmx form whose request did not lead to another page (it failed, or Harness's alert came
  // back in #global-alert) is released too, and the button it disabled while sending
  // (hx-disabled-elt) gets the focus back: disabling it dropped the focus to <body>, the top
  // of the page. Kept only for an element htmx disabled, so an autosave that ends after the
  // person left a field never pulls them back to it.
  var disabledWhileFocused = new WeakMap();
  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    if (active && active !== document.body) { disabledWhileFocused.set(event.detail.elt, active); }
  });
  document.addEventListener("htmx:beforeSend", function (event) {
    var focused = disabledWhileFocused.get(event.detail.elt);
    if (focused && !focused.hasAttribute("data-disabled-by-htmx")) { disabledWhileFocused.delete(event.detail.elt); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    var focused = disabledWhileFocused.get(elt);
    disabledWhileFocused.delete(elt);
    var xhr = event.detail.xhr;
    var leaving = event.detail.successful && xhr &&
      (xhr.getResponseHeader("HX-Redirect") || xhr.getResponseHeader("HX-Refresh") || xhr.getResponseHeader("HX-Location"));
    if (leaving) { return; }
    if (elt.matches && elt.matches("form[data-submitted]")) { release(elt); }
    var active = document.activeElement;
    if (focused && focused.isConnected && !focused.disabled && (!active || active === document.body)) {
      focused.focus();
    }
  });

  // An htmx request that failed (the portal answered an error status, or could not be reached)
  // swaps nothing: a press (a star, Save view, Submit for approval, Try again, a sort) looked
  // ignored. It is said in the page's #global-alert (role=alert, always in the page), written
  // only when its text changes (a poll failing again is not read out again). The wizard's
  // autosave (#step-form) says its own failure (wizard.js). An answer that works for the same
  // element, or redraws it (a Try again in its place), takes the message away; Harness's alert
  // or a star's answer replaces it.
  var FAILED = "The portal could not do that (error {status}). Try again in a moment.";
  var NOT_REACHED = "The portal could not be reached. Check your connection, then try again.";
  var failedElt = null;
  function sayFailed(event, text) {
    var elt = event.detail.elt;
    var alert = document.getElementById("global-alert");
    if (!alert || (elt && elt.id === "step-form")) { return; }
    failedElt = elt;
    var shown = alert.querySelector("[data-request-failed]");
    if (shown && shown.textContent === text) { return; }
    var notice = document.createElement("div");
    var line = document.createElement("p");
    notice.className = "notice notice--error";
    notice.dataset.requestFailed = "";
    line.textContent = text;
    notice.appendChild(line);
    alert.replaceChildren(notice);
  }
  document.addEventListener("htmx:responseError", function (event) {
    sayFailed(event, FAILED.replace("{status}", event.detail.xhr.status));
  });
  document.addEventListener("htmx:sendError", function (event) { sayFailed(event, NOT_REACHED); });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (!event.detail.successful || !failedElt || !elt) { return; }
    var target = event.detail.target;
    var same = function (other) { return other === failedElt || (other.id && other.id === failedElt.id); };
    if (!same(elt) && !(target && same(target))) { return; }
    failedElt = null;
    var shown = document.querySelector("#global-alert [data-request-failed]");
    if (shown) { shown.remove(); }
  });

  // A region loading itself (hx-trigger="load") whose request failed swaps nothing: it would
  // say it is loading for ever. Its loading lines ([data-loading]) give way to its
  // [data-load-failed] part ("did not load", and a Try again: a project's status
  // overview, All workspaces' strip and long poll), and it is no longer aria-busy;
  // #global-alert says it.
  function loadFailed(event) {
    var elt = event.detail.elt;
    var failed = elt && elt === event.detail.target && elt.querySelector("[data-load-failed]");
    if (!failed) { return; }
    elt.querySelectorAll("[data-loading]").forEach(function (line) { line.remove(); });
    if (elt.hasAttribute("aria-busy")) { elt.setAttribute("aria-busy", "false"); }
    failed.hidden = false;
  }
  document.addEventListener("htmx:responseError", loadFailed);
  document.addEventListener("htmx:sendError", loadFailed);

  // An error message (includes/messages.html: why the person was sent back to this page, e.g.
  // Edit refused) is focused first: an alert in a page as it loads is not reliably announced.
  // Else a form's own error (includes/form_errors.html: a failed sign-in) or a field with an
  // error, so keyboard and screen-reader users land on it: a field in a .field--error box, or a
  // control a form marks aria-invalid itself (the wizard's tag and variable rows, whose box is a
  // .row--error), whichever comes first in the page. (wizard.js leaves an error message focused.)
  // Copy buttons stay hidden without a clipboard: the text beside them can still be selected.
  document.addEventListener("DOMContentLoaded", function () {
    var first = document.querySelector(".messages [role=alert]") ||
      document.querySelector("form [role=alert][tabindex='-1'], .field--error input, .field--error select, .field--error textarea, form [aria-invalid=true]");
    if (first) { first.focus(); }
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (navigator.clipboard) { button.hidden = false; }
    });
  });

  // htmx puts the focus back on the new copy of the element that had it, found by its id. When
  // the swap left none to focus (a Try again that worked, a pager button now disabled), the
  // focus would fall to <body>, the top of the page: it goes to the region swapped in instead,
  // or to the control its `data-refocus` names (a wizard picker's search box).
  var focusedTarget = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    var inside = event.detail.shouldSwap && active && active !== document.body && target.contains(active);
    focusedTarget = inside ? target : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!focusedTarget || event.detail.target !== focusedTarget) { return; }
    var region = focusedTarget.id && document.getElementById(focusedTarget.id);
    focusedTarget = null;
    if (!region || (document.activeElement && document.activeElement !== document.body)) { return; }
    var wanted = region.dataset.refocus && document.getElementById(region.dataset.refocus);
    if (!wanted && !region.hasAttribute("tabindex")) { region.setAttribute("tabindex", "-1"); }
    (wanted || region).focus({ preventScroll: true });
  });

  // A results region and the live region that tells its count ([data-live-for] naming the
  // region's id) are aria-busy while htmx fetches the region (it then has .htmx-request, as
  // its hx-indicator): the new count is announced once, complete, when the request is over.
  // Checked again after the settle: until then the new copy of the region wears the old one's
  // classes (htmx settles `class`), .htmx-request included.
  function markBusy() {
    document.querySelectorAll("[data-live-for]").forEach(function (live) {
      var region = document.getElementById(live.dataset.liveFor);
      var busy = Boolean(region && region.classList.contains("htmx-request"));
      [live, region].forEach(function (element) {
        if (!element) { return; }
        if (busy) { element.setAttribute("aria-busy", "true"); } else { element.removeAttribute("aria-busy"); }
      });
    });
  }
  document.addEventListener("htmx:beforeSend", markBusy);
  document.addEventListener("htmx:afterRequest", markBusy);
  document.addEventListener("htmx:afterSettle", markBusy);

  // A copy button copies its target's text, says "Copied" on itself for a moment and in its
  // status region (`data-copy-status`: an aria-live element's id; else the page's
  // [data-copy-status]).
  function copyStatus(button) {
    var id = button.dataset.copyStatus;
    return id ? document.getElementById(id) : document.querySelector("[data-copy-status]");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) { return; }
    var source = document.getElementById(button.dataset.copyTarget);
    var status = copyStatus(button);
    if (!source) { return; }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      if (!button.dataset.label) { button.dataset.label = button.textContent; }
      button.textContent = "Copied";
      button.dataset.copied = "true";
      if (status) { status.textContent = "Copied to the clipboard."; }
      window.clearTimeout(button.copyTimer);
      button.copyTimer = window.setTimeout(function () {
        button.textContent = button.dataset.label;
        delete button.dataset.copied;
        if (status) { status.textContent = ""; }
      }, 4000);
    }, function () {
      if (status) { status.textContent = "Copying is not allowed here: select the text and copy it."; }
    });
  });

  // A chip or chart bar of a project's status strip ([data-status-filter]) lists the workspaces
  // with its status and the list's other filters: a click sends them as the filter form holds
  // them (hx-include), but its href (a new tab, a copied link) was drawn with the strip. Each
  // time a swap changes the list's address (a search, a sort, a page size chosen since), the
  // href follows it: that address without its page, with the link's status. Drawing the chips
  // and the chart again with every table instead would read the cached counts and render them
  // on each filter change, the request the portal keeps cheapest.
  function followTheList() {
    document.querySelectorAll("[data-status-filter]").forEach(function (link) {
      var query = new URLSearchParams(window.location.search);
      query.delete("page");
      query.set("status", link.dataset.statusFilter);
      link.setAttribute("href", "?" + query);
    });
  }
  document.addEventListener("htmx:pushedIntoHistory", followTheList);
  document.addEventListener("htmx:replacedInHistory", followTheList);

  // A Harness API key pasted into a search box was not searched (workspaces/search.py): the
  // answer has htmx trigger `searchRefused` on the box, which is emptied, so the key is no
  // longer on screen nor sent again with the next filter change.
  document.addEventListener("searchRefused", function (event) {
    if (event.target.matches && event.target.matches("input[type=search]")) { event.target.value = ""; }
  });

  // Menus that are <details> (the header's "My views", "Save view") close on a click elsewhere,
  // when the focus moves to a control outside them (tabbed past, an open panel would cover the
  // controls tabbed to), and on Escape. A click on a panel's text moves the focus to no control
  // (<body>, relatedTarget null) or to an ancestor with a tabindex (<main>): the panel stays
  // open, and Escape still closes it. Escape returns the focus to the summary when it was in the
  // menu or nowhere in particular (<body>, or an element around the menu); on a control
  // elsewhere, it stays there.
  // Without JavaScript they still open and close from their summary.
  var MENUS = "details.header-menu[open], .save-view details[open]";
  document.addEventListener("click", function (event) {
    document.querySelectorAll(MENUS).forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });
  document.addEventListener("focusout", function (event) {
    var menu = event.target.closest && event.target.closest(MENUS);
    var next = event.relatedTarget;
    if (menu && next instanceof Element && !menu.contains(next) && !next.contains(menu)) {
      menu.open = false;
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll(MENUS).forEach(function (menu) {
      var active = document.activeElement;
      var nowhere = !active || active === document.body || active.contains(menu) || menu.contains(active);
      menu.open = false;
      if (nowhere) { menu.querySelector("summary").focus(); }
    });
  });
})();
