// Forms (or the button that sends one) marked data-confirm ask before they
// are sent (submit, withdraw, remove, import).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var submitter = event.submitter;
  var question = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// A Word import: while the upload converts, say that it is working and for how
// long; after a reload, wait for the import still under way and then show it.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  var working = document.getElementById("import-working");
  if (form && working) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }  // the confirmation was declined
      var started = Date.now();
      var show = function () {
        working.textContent = form.dataset.textWorking.replace("{seconds}", Math.round((Date.now() - started) / 1000));
      };
      working.hidden = false;
      show();
      window.setInterval(show, 1000);
    });
  }
  var running = document.getElementById("import-running");
  if (running) {
    var poll = function () {
      fetch(running.dataset.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (status) {
          if (status.running) { window.setTimeout(poll, 2000); } else { window.location.reload(); }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 2000);
  }
}());
