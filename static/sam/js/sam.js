/* SAM: progressive enhancement only; every page works without this file. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    // An error summary takes the focus so screen-reader and keyboard users land on it.
    var summary = document.querySelector(".error-summary[data-autofocus]");
    if (summary) { summary.focus(); }

    // The user menu and the menu groups (<details>) close on Escape and when the focus or a click
    // leaves them; opening one closes the others.
    var menus = document.querySelectorAll("details.user-menu, .main-nav details");
    Array.prototype.forEach.call(menus, function (menu) {
      menu.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && menu.open) {
          menu.open = false;
          menu.querySelector("summary").focus();
        }
      });
      menu.addEventListener("toggle", function () {
        if (!menu.open) { return; }
        Array.prototype.forEach.call(menus, function (other) { if (other !== menu) { other.open = false; } });
      });
      menu.addEventListener("focusout", function (event) {
        if (menu.open && event.relatedTarget && !menu.contains(event.relatedTarget)) { menu.open = false; }
      });
      document.addEventListener("click", function (event) {
        if (menu.open && !menu.contains(event.target)) { menu.open = false; }
      });
    });

    // Forms marked data-submit-once cannot be sent twice by an impatient double click.
    var forms = document.querySelectorAll("form[data-submit-once]");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("submit", function () {
        if (form.dataset.sent) { return; }
        form.dataset.sent = "1";
        window.setTimeout(function () {
          Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (button) {
            button.disabled = true;
          });
        }, 0);
      });
    });
  });
})();
