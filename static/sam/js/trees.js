// Tree browser: opens a level on demand. Each toggle is a link to the node's page (works without
// JavaScript); with JavaScript it fetches the children fragment (trees:tree_children) and inserts it.
(function () {
  "use strict";
  function load(url, done) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(done)
      .catch(function () { done(null); });
  }
  function fragment(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    return holder.firstElementChild;
  }
  function setExpanded(toggle, open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    var label = toggle.querySelector(".visually-hidden");
    var text = toggle.getAttribute(open ? "data-label-hide" : "data-label-show");
    if (label && text) { label.textContent = text; }
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".tree-toggle");
    var more = event.target.closest(".tree-load-more");
    if (toggle) {
      event.preventDefault();
      var item = toggle.closest(".tree-node");
      var list = item.querySelector(":scope > .tree-level");
      var open = toggle.getAttribute("aria-expanded") === "true";
      if (open) {
        setExpanded(toggle, false);
        if (list) { list.hidden = true; }
        return;
      }
      setExpanded(toggle, true);
      if (list) { list.hidden = false; return; }
      toggle.setAttribute("aria-busy", "true");
      load(toggle.getAttribute("data-children-url"), function (html) {
        toggle.removeAttribute("aria-busy");
        if (html === null) { setExpanded(toggle, false); window.location.assign(toggle.href); return; }
        item.appendChild(fragment(html));
      });
    } else if (more) {
      event.preventDefault();
      var row = more.closest(".tree-more");
      load(more.href, function (html) {
        if (html === null) { return; }
        var next = fragment(html);
        while (next.firstElementChild) { row.parentNode.insertBefore(next.firstElementChild, row); }
        row.remove();
      });
    }
  });
})();
