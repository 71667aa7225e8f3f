// Deposits: upload with a progress bar (XMLHttpRequest upload events; without JS the form posts
// normally), and a small poll of the states SAM's background tasks record (never Vitam directly).
(function () {
  "use strict";

  function upload(form) {
    var box = form.querySelector(".upload-progress");
    var bar = box.querySelector("progress");
    var message = box.querySelector(".upload-message");
    var failure = form.querySelector(".upload-error");
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      var request = new XMLHttpRequest();
      request.open("POST", form.getAttribute("action") || window.location.href);
      request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      request.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var percent = Math.floor(100 * e.loaded / e.total);
        bar.value = percent;
        message.textContent = percent + " % (" + Math.round(e.loaded / 1048576) + " / " + Math.round(e.total / 1048576) + " Mo)";
      });
      request.upload.addEventListener("load", function () { message.textContent = form.getAttribute("data-received") || "100 %"; });
      request.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(request.responseText); } catch (ignore) { body = {}; }
        if (request.status === 200 && body.url) { window.location.assign(body.url); return; }
        button.disabled = false;
        failure.textContent = (body.errors || []).join(" ") || ("HTTP " + request.status);
        failure.hidden = false;
      });
      request.addEventListener("error", function () {
        button.disabled = false;
        failure.textContent = form.getAttribute("data-network-error") || "Erreur réseau : le dépôt a été interrompu.";
        failure.hidden = false;
      });
      failure.hidden = true;
      box.hidden = false;
      button.disabled = true;
      request.send(new FormData(form));
    });
  }

  function follow(element, onChange) {
    var url = element.getAttribute("data-deposit-status-url");
    var known = element.getAttribute("data-deposit-state");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (status) {
          if (known !== null && status.state !== known) { onChange(status); return; }
          var state = element.querySelector(".deposit-state");
          if (state && known === null && state.getAttribute("data-state") !== status.state) {
            state.textContent = status.state_label + (status.operation_status ? " — " + status.operation_status : "");
            state.setAttribute("data-state", status.state);
          }
          if (!status.finished && status.state !== "ready" && status.state !== "review") { window.setTimeout(poll, 2000); }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1500);
  }

  document.querySelectorAll("form[data-upload-form]").forEach(upload);
  // Detail page: reload once the state changes (new buttons, ATR, explanation).
  document.querySelectorAll("section[data-deposit-status-url][data-deposit-finished='false']").forEach(function (section) {
    follow(section, function () { window.location.reload(); });
  });
  // List: update the state cell of each deposit still on its way.
  document.querySelectorAll("tr[data-deposit-status-url][data-deposit-finished='false']").forEach(function (row) {
    follow(row, function () {});
  });
})();
