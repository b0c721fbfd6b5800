/* Waiting-room display: every few seconds, fetch the token now serving and the one called next, and show them.
   No inline script (CSP); the number is set with textContent. */
(function () {
  "use strict";
  var root = document.querySelector("[data-queue-display]");
  if (!root) return;
  var target = root.querySelector("[data-now-serving]");
  var next = root.querySelector("[data-next]");
  var nextToken = root.querySelector("[data-next-token]");
  var url = root.getAttribute("data-state-url");
  var interval = parseInt(root.getAttribute("data-interval"), 10) || 5000;
  var today = null;

  function refresh() {
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) return;
        if (today !== null && state.date !== today) {
          window.location.reload(); // a new day: new date line and queue
          return;
        }
        today = state.date;
        var text = state.now_serving === null ? "\u2014" : String(state.now_serving);
        if (target.textContent !== text) target.textContent = text;
        if (next && nextToken) {
          var upcoming = state.next_token === null || state.next_token === undefined ? "" : String(state.next_token);
          if (nextToken.textContent !== upcoming) nextToken.textContent = upcoming;
          next.hidden = upcoming === "";
        }
      })
      .catch(function () { /* offline for a moment: keep the last number */ });
  }

  root.addEventListener("live:update", refresh); /* live.js: the queue moved, don't wait for the poll */
  window.setInterval(refresh, interval);
  refresh();
})();
