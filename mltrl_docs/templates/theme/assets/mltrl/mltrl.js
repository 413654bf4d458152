/* Sorting and filtering of the portfolio table, and opening collapsed sections for print.
   Progressive enhancement only: without JavaScript the table is complete, in level order, and the
   filter form stays hidden. Works with Material's instant navigation (document$) and without it. */
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
  }

  function naturalCompare(a, b) {
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function makeSortable(table) {
    if (table.dataset.mltrlReady) return;
    table.dataset.mltrlReady = "1";
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, index) {
      var kind = th.getAttribute("data-sort");
      if (!kind) return;
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      button.title = "Sort by " + th.textContent.toLowerCase();
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var a = cellValue(r1, index), b = cellValue(r2, index), order;
          if (kind === "num") {
            order = (parseFloat(a) || 0) - (parseFloat(b) || 0);
          } else {
            order = naturalCompare(a, b);
          }
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function makeFilter(form) {
    if (form.dataset.mltrlReady) return;
    var table = document.getElementById(form.getAttribute("data-mltrl-filter"));
    if (!table) return;
    form.dataset.mltrlReady = "1";
    form.hidden = false;
    var count = form.querySelector(".mltrl-filter-count");
    function apply() {
      var query = (form.elements.q.value || "").trim().toLowerCase().split(/\s+/).filter(Boolean);
      var level = form.elements.level.value, phase = form.elements.phase.value, status = form.elements.status.value;
      var shown = 0, rows = table.tBodies[0].rows;
      Array.prototype.forEach.call(rows, function (row) {
        var text = row.getAttribute("data-text") || "";
        var ok = (!level || row.getAttribute("data-level") === level)
          && (!phase || row.getAttribute("data-phase") === phase)
          && (!status || row.getAttribute("data-status") === status)
          && query.every(function (word) { return text.indexOf(word) !== -1; });
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      if (count) count.textContent = shown + " of " + rows.length + " shown";
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    var params = new URLSearchParams(window.location.search);
    ["q", "level", "phase", "status"].forEach(function (name) {
      if (params.has(name) && form.elements[name]) form.elements[name].value = params.get(name);
    });
    apply();
  }

  function openTarget() {
    // A link to a review or an ethics part lands on a collapsed section: open it.
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    for (var el = target; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
    }
  }

  function setup() {
    openTarget();
    document.querySelectorAll("table[data-mltrl-sortable]").forEach(makeSortable);
    document.querySelectorAll("form[data-mltrl-filter]").forEach(makeFilter);
  }

  window.addEventListener("hashchange", openTarget);
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".mltrl details:not([open])").forEach(function (el) {
      el.setAttribute("open", "");
      el.setAttribute("data-mltrl-print-opened", "");
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-mltrl-print-opened]").forEach(function (el) {
      el.removeAttribute("open");
      el.removeAttribute("data-mltrl-print-opened");
    });
  });

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(setup);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
