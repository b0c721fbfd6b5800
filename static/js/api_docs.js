// Swagger UI for /api/docs/, served from our own static files (no CDN, no inline script).
(function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    requestInterceptor: function (request) {
      var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
      if (match) { request.headers["X-CSRFToken"] = decodeURIComponent(match[1]); }
      return request;
    },
  });
})();
