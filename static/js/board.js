// The board's drag and drop: SortableJS moves the card in the page, then this
// posts the move with htmx (#move-form). Sorting pauses while a move is in
// flight, so a quick second drag cannot act on a stale board.
(function () {
  "use strict";

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
    (root.matches && root.matches("[data-sortable]") ? [root] : lists(root)).forEach(function (list) {
      if (list.sortable) { return; }
      list.sortable = Sortable.create(list, {
        group: list.dataset.sortable,
        draggable: ".card",
        filter: ".card-moves, a",
        preventOnFilter: false,
        animation: 120,
        onEnd: function (event) {
          if (event.from === event.to && event.oldIndex === event.newIndex) { return; }
          submitMove(event.item, event.to);
        }
      });
    });
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "move-form") { setSorting(true); }
  });

  htmx.onLoad(setUp);
})();
