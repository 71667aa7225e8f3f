// Move page: the new parent is searched as the archivist types. Without JavaScript the search form
// reloads the page; with it, the candidates fragment (same URL, fragment=1) replaces the list.
(function () {
  "use strict";
  var form = document.querySelector("form.parent-search");
  if (!form) { return; }
  var input = form.querySelector("input[name=q]");
  var target = document.getElementById(form.getAttribute("data-fragment-target"));
  var hidden = document.querySelector("form[method=post] input[type=hidden][name=q]");
  var timer = null;
  var sent = input.value;
  function refresh() {
    var text = input.value.trim();
    if (text === sent) { return; }
    sent = text;
    var url = window.location.pathname + "?fragment=1&q=" + encodeURIComponent(text);
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        if (text !== sent) { return; }
        target.innerHTML = html;
        if (hidden) { hidden.value = text; }
        var actions = document.getElementById("preview-actions");
        if (actions) { actions.hidden = !target.querySelector("input[type=radio]"); }
      })
      .catch(function () { /* the search button still works */ });
  }
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  });
}());
