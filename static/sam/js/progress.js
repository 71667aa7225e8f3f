// Follows background jobs shown by templates/components/job_progress.html: polls their status
// every second, updates the progress bar and message, then shows the result (or goes to it).
(function () {
  "use strict";
  if (window.samJobProgress) { return; }  // the component may appear several times on a page
  window.samJobProgress = true;
  function follow(box) {
    var url = box.getAttribute("data-job-status-url");
    var bar = box.querySelector("progress");
    var message = box.querySelector(".job-message");
    var error = box.querySelector(".job-error");
    var result = box.querySelector(".job-result");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (job) {
          if (job.percent !== null && job.percent !== undefined) {
            bar.value = job.percent;
            bar.textContent = job.percent + " %";
          }
          message.textContent = job.state_label + (job.message ? " — " + job.message : "");
          if (!job.finished) { window.setTimeout(poll, 1000); return; }
          box.setAttribute("data-job-finished", "true");
          if (job.error) { error.textContent = job.error; error.hidden = false; }
          if (job.result_url) {
            if (box.getAttribute("data-job-redirect") === "true") { window.location.assign(job.result_url); return; }
            result.querySelector("a").setAttribute("href", job.result_url);
            result.hidden = false;
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    poll();
  }
  document.querySelectorAll("[data-job-status-url][data-job-finished='false']").forEach(follow);
})();
