// Portfolio's own JavaScript: a few lines around htmx. No inline scripts, no
// eval (our Content-Security-Policy forbids both).
(function () {
  "use strict";

  // Show why an htmx request failed (403, 404, 400, 500, network) instead of
  // leaving the page silently unchanged.
  function showError(message) {
    var box = document.getElementById("htmx-error");
    if (!box) { return; }
    box.textContent = message;
    box.hidden = false;
  }

  function clearError() {
    var box = document.getElementById("htmx-error");
    if (box) { box.hidden = true; box.textContent = ""; }
  }

  document.addEventListener("htmx:beforeRequest", clearError);

  // Keep keyboard focus on the control that was used, even when the answer
  // moved its element elsewhere in the page (a card moved by its ↑ ↓ ← → buttons
  // is deleted and re-inserted out of band; events on the deleted card never
  // reach the document, so out-of-band swaps trigger the restore as well).
  var focusedId = null;
  var dialogOpenerId = null;
  function focusedElementId() {
    var active = document.activeElement;
    return active && active !== document.body && active.id ? active.id : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    // Cancelling a dialog gives focus back to the control that opened it.
    var cancelsDialog = event.detail.elt && event.detail.elt.hasAttribute("data-cancel-dialog");
    focusedId = cancelsDialog ? dialogOpenerId : focusedElementId();
  });
  function restoreFocus() {
    var id = focusedId;
    if (!id) { return; }
    focusedId = null;  // once per request: a later event must not pull focus back
    setTimeout(function () {  // after the whole swap, when the old element is gone
      var again = document.getElementById(id);
      if (again && document.activeElement !== again && !again.contains(document.activeElement)) {
        if (document.activeElement === document.body || !document.activeElement) { again.focus(); }
      }
    }, 0);
  }
  document.addEventListener("htmx:oobAfterSwap", restoreFocus);
  document.addEventListener("htmx:afterSettle", restoreFocus);

  // A dialog (the ship dialog) remembers what opened it; its Cancel link, or
  // Escape, closes it and restoreFocus gives focus back there.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "board-dialog") {
      dialogOpenerId = focusedElementId();  // autofocus inside the dialog has not run yet
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.closest) { return; }
    var dialog = event.target.closest("dialog");
    var cancel = dialog ? dialog.querySelector("[data-cancel-dialog]") : null;
    if (cancel) { event.preventDefault(); cancel.click(); }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = "";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var page = doc.querySelector(".error-page p");
      text = page ? page.textContent : "";
    } catch (ignored) { /* fall back below */ }
    showError(text || ("The server answered " + xhr.status + ". Reload the page and try again."));
  });

  // Print buttons (no inline onclick: the CSP forbids it).
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
  });

  // "Close" on a detail panel empties the panel instead of leaving the page.
  document.addEventListener("click", function (event) {
    var close = event.target.closest ? event.target.closest("[data-close-panel]") : null;
    var panel = document.getElementById("panel");
    if (!close || !panel || !panel.contains(close)) { return; }
    event.preventDefault();
    panel.innerHTML = "";
    history.pushState(null, "", close.getAttribute("href"));
  });

  // A suggested colleague (the comment form's "Mention a colleague") goes into
  // the comment box as "@handle " at the caret; the search is cleared.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-mention]") : null;
    var box = button ? document.getElementById(button.getAttribute("data-mention-field")) : null;
    if (!box) { return; }
    var mention = button.getAttribute("data-mention") + " ";
    var start = typeof box.selectionStart === "number" ? box.selectionStart : box.value.length;
    var end = typeof box.selectionEnd === "number" ? box.selectionEnd : start;
    var before = box.value.slice(0, start);
    if (before && !/\s$/.test(before)) { mention = " " + mention; }
    box.value = before + mention + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + mention.length;
    var results = button.closest(".mention-results");
    var finder = results ? results.previousElementSibling : null;
    var search = finder ? finder.querySelector("input[type=search]") : null;
    if (search) { search.value = ""; }
    if (results) { results.innerHTML = ""; }
  });

  // After a failed submit answered by htmx (422 and the form again), the first
  // field in error takes focus; without JavaScript, render_field's autofocus
  // does it. afterSwap fires on each swapped-in element (the new one, for an
  // outerHTML swap); one focus per answer.
  var invalidFocusedFor = null;
  document.addEventListener("htmx:afterSwap", function (event) {
    var swapped = event.target;
    var xhr = event.detail.xhr;
    if (!swapped || !swapped.querySelector || (xhr && xhr === invalidFocusedFor)) { return; }
    var selector = '[aria-invalid="true"]';
    var invalid = swapped.matches(selector) ? swapped : swapped.querySelector(selector);
    if (invalid) {
      invalidFocusedFor = xhr;
      invalid.focus();
    }
  });

  document.addEventListener("htmx:sendError", function () {
    showError("The server could not be reached. Check your connection and try again.");
  });
})();
