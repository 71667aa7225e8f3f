// Mass update of the description: only the fields of the chosen change are shown (all of them without script).
(function () {
  "use strict";
  var action = document.getElementById("id_action");
  if (!action) { return; }
  var widgets = document.querySelectorAll("[data-for-actions]");
  function show() {
    Array.prototype.forEach.call(widgets, function (widget) {
      var field = widget.closest(".field") || widget;
      field.hidden = widget.getAttribute("data-for-actions").split(" ").indexOf(action.value) === -1;
    });
  }
  action.addEventListener("change", show);
  show();
})();
