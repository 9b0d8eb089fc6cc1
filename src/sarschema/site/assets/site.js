// Filters and search for the list pages. Without this script the lists are plain
// and complete, and every filter value has its own page (browse/...); with it, the
// form filters the list in place. The state is read from the address
// (?status=infected&q=radi), so a filtered list can be linked to. Nothing is fetched.
"use strict";
(function () {
  var form = document.getElementById("filters");
  var list = document.getElementById("list");
  if (!form || !list) return;
  var items = Array.prototype.slice.call(list.children);
  var status = document.getElementById("filter-status");
  var selects = Array.prototype.slice.call(form.querySelectorAll("select"));
  var search = form.querySelector("input[type=search]");

  // As index.fold does in Python: lower case, accents dropped.
  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "");
  }

  function apply() {
    var words = fold(search.value).split(/\s+/).filter(Boolean);
    var wanted = selects
      .filter(function (s) { return s.value; })
      .map(function (s) { return [s.name, s.value]; });
    var shown = 0;
    items.forEach(function (item) {
      var text = item.getAttribute("data-text") || "";
      var ok = words.every(function (w) { return text.indexOf(w) !== -1; }) &&
        wanted.every(function (pair) {
          var values = (item.getAttribute("data-" + pair[0]) || "").split(" ");
          return values.indexOf(pair[1]) !== -1;
        });
      item.hidden = !ok;
      if (ok) shown += 1;
    });
    status.textContent = status.getAttribute("data-template")
      .replace("{shown}", String(shown)).replace("{total}", String(items.length));
    list.setAttribute("data-shown", String(shown));
  }

  var params = new URLSearchParams(window.location.search);
  search.value = params.get("q") || "";
  selects.forEach(function (s) {
    var value = params.get(s.name);
    if (value && s.querySelector('option[value="' + CSS.escape(value) + '"]')) s.value = value;
  });
  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  document.getElementById("f-reset").addEventListener("click", function () {
    form.reset(); // synchronous: the fields are empty when apply() reads them
    apply();
  });
  apply();
})();
