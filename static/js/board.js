// The board's JavaScript (the page works without it: arrow buttons and links).
// Drag and drop: SortableJS moves the card in the page, then this posts the
// move with htmx (#move-form). Any part of a card is its handle, its title
// included: a click on the title opens the card's details, a drag does not.
// Sorting pauses while a move is in flight, so a quick second drag cannot act
// on a stale board.
// The detail panel: it takes focus when it opens, closes on Escape or its
// Close link, and gives focus back to the card that opened it.
(function () {
  "use strict";

  // Drag and drop (PMs only: Sortable is loaded for them) ------------------------------

  var lastDragEnd = 0;  // a drag that ends over a link must not also click it

  function lists(root) {
    return root.querySelectorAll ? root.querySelectorAll("[data-sortable]") : [];
  }

  function setSorting(enabled) {
    document.querySelectorAll("[data-sortable]").forEach(function (list) {
      if (list.sortable) { list.sortable.option("disabled", !enabled); }
    });
    var board = document.getElementById("board");
    if (board) { board.classList.toggle("is-saving", !enabled); }
  }

  function cardId(element) {
    return element && element.classList.contains("card") ? element.dataset.itemId : "";
  }

  function submitMove(card, list) {
    var form = document.getElementById("move-form");
    form.elements.item_id.value = card.dataset.itemId;
    form.elements.version.value = card.dataset.version;
    form.elements.column.value = list.dataset.column;
    form.elements.above_id.value = cardId(card.previousElementSibling);
    form.elements.below_id.value = cardId(card.nextElementSibling);
    setSorting(false);
    htmx.trigger(form, "board-move");
  }

  function setUp(root) {
    if (!window.Sortable) { return; }
    (root.matches && root.matches("[data-sortable]") ? [root] : lists(root)).forEach(function (list) {
      if (list.sortable) { return; }
      list.sortable = Sortable.create(list, {
        group: list.dataset.sortable,
        draggable: ".card",
        // The whole card is the handle; its buttons and menu links stay buttons and links.
        filter: "button, .ship-link",
        preventOnFilter: false,
        // On a touch screen a card moves after a long press, so a swipe still
        // scrolls the board (one column at a time on a phone).
        delay: 250,
        delayOnTouchOnly: true,
        touchStartThreshold: 6,
        animation: 120,
        onStart: function () { dragging = true; },
        onEnd: function (event) {
          dragging = false;
          lastDragEnd = Date.now();
          if (event.from === event.to && event.oldIndex === event.newIndex) { return; }
          submitMove(event.item, event.to);
        }
      });
    });
  }

  // Capture: before htmx's own listener on the title link opens the panel.
  document.addEventListener("click", function (event) {
    if (Date.now() - lastDragEnd < 400 && event.target.closest && event.target.closest(".card")) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "move-form") { setSorting(true); }
  });

  // The live board ------------------------------------------------------------------
  // #board-poll asks for the board every few seconds (a 304 while nothing changed).
  // It waits while someone is dragging, a move or another board request is on its
  // way, a dialog (ship, reopen) is open, or focus is on something in the board
  // that the new board could not give it back (htmx restores focus by id).

  var dragging = false;

  function isPoll(event) {
    return event.detail.elt && event.detail.elt.id === "board-poll";
  }

  function boardIsBusy() {
    var board = document.getElementById("board");
    if (!board) { return true; }
    var dialog = document.getElementById("board-dialog");
    var focused = document.activeElement;
    // htmx marks an element with .htmx-request while its request is on its way.
    var moving = document.querySelector("#board .htmx-request:not(#board-poll), #move-form.htmx-request");
    return dragging || Boolean(moving) || board.classList.contains("is-saving") ||
      Boolean(dialog && dialog.firstElementChild) ||
      Boolean(focused && focused !== board && board.contains(focused) && !focused.id);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isPoll(event) && boardIsBusy()) { event.preventDefault(); }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (isPoll(event) && boardIsBusy()) { event.detail.shouldSwap = false; }
  });

  htmx.onLoad(setUp);

  // The detail panel ----------------------------------------------------------------

  var openerCardId = null;  // the card whose title opened the panel
  var boardUrl = null;      // the board's address (with its filters) before the panel opened

  function panel() { return document.getElementById("panel"); }

  function panelIsOpen() {
    var element = panel();
    return Boolean(element && element.firstElementChild);
  }

  function showSkipLink(shown) {
    var skip = document.getElementById("skip-to-panel");
    if (skip) { skip.hidden = !shown; }
  }

  function focusPanel() {
    var heading = panel() && panel().querySelector(".detail-heading");
    if (heading) { heading.focus(); }
  }

  function closePanel() {
    var element = panel();
    if (!element) { return; }
    element.innerHTML = "";
    showSkipLink(false);
    history.pushState(null, "", boardUrl || location.pathname);
    // The board may have been redrawn meanwhile: find the card again by its id.
    var card = openerCardId && document.getElementById(openerCardId);
    var title = card && card.querySelector(".card-title a");
    if (title) { title.focus(); }
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.target !== panel()) { return; }
    if (!panelIsOpen()) { boardUrl = location.pathname + location.search; }
    var card = event.detail.elt.closest && event.detail.elt.closest(".card");
    openerCardId = card ? card.id : null;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target !== panel()) { return; }
    showSkipLink(panelIsOpen());
    focusPanel();
  });

  document.addEventListener("click", function (event) {
    var skip = event.target.closest && event.target.closest("#skip-to-panel");
    if (skip) {
      event.preventDefault();
      focusPanel();
      return;
    }
    var close = event.target.closest && event.target.closest("[data-close-panel]");
    if (close && panel() && panel().contains(close)) {
      event.preventDefault();
      closePanel();
    }
  });

  // Escape closes the panel wherever focus is, unless a dialog is open (it closes
  // first) or a field of the panel holds text being written.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented || !panelIsOpen()) { return; }
    if (document.querySelector("dialog[open]")) { return; }
    var field = event.target;
    if (field.matches && field.matches("input, textarea") && field.value) { return; }
    event.preventDefault();
    closePanel();
  });
})();
