// Contract forms: a filter box above each long select (holding/filing units, agencies), no inline code (CSP).
(function () {
  "use strict";
  function normalise(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "searchable-filter";
    input.setAttribute("aria-controls", select.id);
    input.setAttribute("aria-label", (document.documentElement.lang === "fr" ? "Filtrer : " : "Filter: ") +
      (select.labels && select.labels[0] ? select.labels[0].textContent.trim() : ""));
    input.placeholder = document.documentElement.lang === "fr" ? "Filtrer la liste…" : "Filter the list…";
    select.parentNode.insertBefore(input, select);
    input.addEventListener("input", function () {
      var words = normalise(input.value).split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(select.options, function (option) {
        var text = normalise(option.textContent);
        // Chosen options stay visible so that nobody loses a selection by filtering.
        option.hidden = !option.selected && !words.every(function (word) { return text.indexOf(word) !== -1; });
      });
    });
  });
})();
