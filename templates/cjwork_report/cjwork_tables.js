/* cjwork report tables: sort by a click on a column heading, filter by typing.
   The one script of the report (no network, no other script): kept in this file and
   inlined once by the template, so the Content-Security-Policy can allow it by hash.
   Works on every <table class="cjwork-table">; without JavaScript the tables stay as they are. */
(function () {
  "use strict";
  var WORDS = {
    en: { filter: "Filter rows", sort: "Sort by this column", shown: "{n} of {m} rows" },
    de: { filter: "Zeilen filtern", sort: "Nach dieser Spalte sortieren", shown: "{n} von {m} Zeilen" }
  };
  function words(table) {
    var lang = (table.getAttribute("lang") || document.documentElement.lang || "en").slice(0, 2);
    return WORDS[lang] || WORDS.en;
  }
  /* "1.234,5 %", "1,234.5", "-0,53", "+12.0 %" -> number; text -> null */
  function numberOf(text, lang) {
    var s = text.replace(/[\s\u00a0%]/g, "").replace(/^\u2212/, "-");
    if (!/^[+-]?[\d.,]+$/.test(s)) return null;
    if (lang === "de") s = s.replace(/\./g, "").replace(",", ".");
    else s = s.replace(/,/g, "");
    var v = parseFloat(s);
    return isNaN(v) ? null : v;
  }
  function enhance(table) {
    var body = table.tBodies[0];
    if (!body || !table.tHead || table.dataset.cjEnhanced) return;
    table.dataset.cjEnhanced = "1";
    var w = words(table);
    var lang = (table.getAttribute("lang") || "en").slice(0, 2);
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (r, i) { r.dataset.cjIndex = String(i); });
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.setAttribute("role", "button");
      th.setAttribute("tabindex", "0");
      th.setAttribute("title", w.sort);
      th.classList.add("cj-sortable");
      function sort() {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var keyed = rows.map(function (r) {
          var t = r.cells[col] ? r.cells[col].textContent.trim() : "";
          return { row: r, num: numberOf(t, lang), text: t.toLowerCase() };
        });
        keyed.sort(function (a, b) {
          var c;
          if (a.num !== null && b.num !== null) c = a.num - b.num;
          else if (a.num !== null) c = -1;
          else if (b.num !== null) c = 1;
          else c = a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
          return c * dir || (+a.row.dataset.cjIndex - +b.row.dataset.cjIndex);
        });
        keyed.forEach(function (k) { body.appendChild(k.row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
    if (rows.length < 6) return;
    var box = document.createElement("div");
    box.className = "cj-filter";
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = w.filter + " …";
    input.setAttribute("aria-label", w.filter);
    var count = document.createElement("span");
    count.className = "cj-filter-count";
    box.appendChild(input);
    box.appendChild(count);
    table.parentNode.insertBefore(box, table);
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (r) {
        var hit = !q || r.textContent.toLowerCase().indexOf(q) !== -1;
        r.hidden = !hit;
        if (hit) shown += 1;
      });
      count.textContent = q ? w.shown.replace("{n}", shown).replace("{m}", rows.length) : "";
    });
  }
  function run() {
    Array.prototype.forEach.call(document.querySelectorAll("table.cjwork-table"), enhance);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
