// Filtering only; the page is complete without it. Elements carrying data-status are findings.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  var hideProved = document.getElementById("hide-proved");
  var severity = document.getElementById("severity");
  var property = document.getElementById("property");
  var count = document.getElementById("filter-count");
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-status]"));
  function apply() {
    var shown = 0;
    items.forEach(function (el) {
      var keep = !(hideProved.checked && el.getAttribute("data-status") === "proved");
      keep = keep && (severity.value === "all" || el.getAttribute("data-severity") === severity.value);
      keep = keep && (property.value === "all" || el.getAttribute("data-family") === property.value);
      el.hidden = !keep;
      if (keep) { shown += 1; }
    });
    count.textContent = shown + " of " + items.length + " findings shown";
  }
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
}());
