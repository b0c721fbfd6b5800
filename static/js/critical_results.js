/* The doctor's "critical lab results" panel follows the alerts live. <div id="critical-results-panel"
   data-critical-results="URL"> holds the list; when the user's socket (live.js, "live:notification") says a
   critical result arrived or was acknowledged, the list is fetched again from URL and replaces the old one. */
(function () {
  "use strict";
  var EVENTS = { lab_critical_result: true, lab_critical_acknowledged: true };
  var timer = null;

  function refresh() {
    var panel = document.getElementById("critical-results-panel");
    var url = panel && panel.getAttribute("data-critical-results");
    if (!url || url.charAt(0) !== "/" || url.charAt(1) === "/") return;
    window.fetch(url, { credentials: "same-origin", headers: { "X-Live-Refresh": "1" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        panel.innerHTML = html;
        panel.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { /* offline: the next alert, or a reload, brings the list up to date */ });
  }

  document.addEventListener("live:notification", function (event) {
    var frame = event.detail || {};
    if (!EVENTS[frame.event]) return;
    /* A burst (an amended report alerting again) becomes one fetch. */
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  });
})();
