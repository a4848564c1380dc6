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

  // A saved appearance choice (HX-Trigger from /account/appearance): switch
  // the page now, as the next page's <html data-theme> will.
  document.addEventListener("themeChanged", function (event) {
    var theme = event.detail && event.detail.theme;
    if (theme === "light" || theme === "dark") {
      document.documentElement.setAttribute("data-theme", theme);
    } else {
      document.documentElement.removeAttribute("data-theme");
    }
  });

  // Paper is white: print in the light palette whatever the screen shows,
  // then put the reader's theme back.
  var themeBeforePrint;
  window.addEventListener("beforeprint", function () {
    themeBeforePrint = document.documentElement.getAttribute("data-theme");
    document.documentElement.setAttribute("data-theme", "light");
  });
  window.addEventListener("afterprint", function () {
    if (themeBeforePrint === undefined) { return; }
    if (themeBeforePrint === null) {
      document.documentElement.removeAttribute("data-theme");
    } else {
      document.documentElement.setAttribute("data-theme", themeBeforePrint);
    }
    themeBeforePrint = undefined;
  });

  // Print buttons (no inline onclick: the CSP forbids it).
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
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

  // The header's search box (templates/search/_header_box.html): an ARIA
  // combobox over the suggestions htmx puts in its listbox. Focus stays in the
  // input; aria-activedescendant names the chosen option. ArrowDown/ArrowUp
  // move through the options, Enter opens the chosen one, Escape closes the
  // list (a second Escape clears the words, as the browser does).
  function searchBox(element) {
    var box = element && element.closest ? element.closest("[data-search-box]") : null;
    if (!box) { return null; }
    return {
      box: box,
      input: box.querySelector("[role=combobox]"),
      listbox: box.querySelector("[role=listbox]")
    };
  }
  function searchOptions(parts) {
    return Array.prototype.slice.call(parts.listbox.querySelectorAll("[role=option]"));
  }
  function chooseOption(parts, option) {
    searchOptions(parts).forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    if (option) {
      parts.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      parts.input.removeAttribute("aria-activedescendant");
    }
  }
  function openSearchList(parts, open) {
    open = open && searchOptions(parts).length > 0;
    parts.listbox.hidden = !open;
    parts.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) { chooseOption(parts, null); }
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    var parts = searchBox(event.detail.target);
    if (!parts || event.detail.target !== parts.listbox) { return; }
    chooseOption(parts, null);
    openSearchList(parts, document.activeElement === parts.input);
  });
  document.addEventListener("keydown", function (event) {
    var parts = searchBox(event.target);
    if (!parts) { return; }
    var options = searchOptions(parts);
    var chosenId = parts.input.getAttribute("aria-activedescendant");
    var chosen = chosenId ? document.getElementById(chosenId) : null;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) { return; }
      event.preventDefault();
      if (parts.listbox.hidden) { openSearchList(parts, true); chosen = null; }
      var index = options.indexOf(chosen);
      var next = event.key === "ArrowDown" ? Math.min(index + 1, options.length - 1) : index - 1;
      chooseOption(parts, next >= 0 ? options[next] : null);
      parts.input.focus();
    } else if (event.key === "Enter" && chosen && !parts.listbox.hidden) {
      event.preventDefault();
      chosen.click();
    } else if (event.key === "Escape" && !parts.listbox.hidden) {
      event.preventDefault();
      openSearchList(parts, false);
      parts.input.focus();
    }
  });
  document.addEventListener("focusin", function (event) {
    var parts = searchBox(event.target);
    if (parts && event.target === parts.input && parts.listbox.hidden) { openSearchList(parts, true); }
  });
  document.addEventListener("focusout", function (event) {
    var parts = searchBox(event.target);
    if (!parts || (event.relatedTarget && parts.box.contains(event.relatedTarget))) { return; }
    openSearchList(parts, false);
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
