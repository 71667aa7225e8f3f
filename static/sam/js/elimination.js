// Proposal page: one checkbox ticks or unticks every unit of the page (no inline script: CSP).
document.addEventListener("DOMContentLoaded", function () {
  var all = document.getElementById("select-all-units");
  if (!all) { return; }
  var boxes = function () { return document.querySelectorAll(".proposal-unit-table input[name=unit]"); };
  all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
  });
});
