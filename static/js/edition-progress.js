// Keeps a building edition's progress current: polls its JSON status and,
// once the build has finished, reloads the page to show the result.
(function () {
  "use strict";
  var POLL_MS = 1500;

  function watch(element) {
    var url = element.getAttribute("data-status-url");
    var text = element.querySelector(".edition-progress-text");
    var bar = element.querySelector("progress");

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw response.status; }
          return response.json();
        })
        .then(function (status) {
          if (text) { text.textContent = status.text; }
          if (bar) { bar.max = status.total || 1; bar.value = status.done; }
          element.className = "edition-progress edition-" + status.status;
          if (status.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, POLL_MS);
          }
        })
        .catch(function (status) {
          // Gone or no longer ours (deleted, logged out): stop asking. Otherwise the
          // network or the server hiccuped: ask again, less often.
          if (status === 403 || status === 404) { return; }
          window.setTimeout(poll, POLL_MS * 4);
        });
    }
    window.setTimeout(poll, POLL_MS);
  }

  document.querySelectorAll("[data-status-url]").forEach(watch);
})();
