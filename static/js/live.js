/* Live updates over websockets. Loaded on every page of a signed-in user, and on the waiting-room screen.
     <script src="live.js" data-notifications-socket="/ws/notifications/">  the user's socket: navbar badge + toasts;
                                              each of its frames also fires "live:notification" on document
     <div id="x" data-live-socket="/ws/...">  on each update frame the element is re-fetched from
                                              this page's URL (htmx, #x only) and "live:update" fires on it
   Sockets reconnect with backoff and give up on the close codes that mean "not for you".
   Without sockets every page still works; it just needs a reload. Text is set with textContent. */
(function () {
  "use strict";
  var FINAL_CODES = { 4001: true, 4401: true, 4403: true, 4404: true };
  var script = document.currentScript;

  function socketUrl(path) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + path;
  }

  /* A socket that reconnects (1 s, 2 s, 4 s … 30 s, with jitter) until closed for good.
     onFrame(object) gets each JSON frame; onState(state, code) hears "connecting", "open",
     "closed" (it will retry) and "stopped" (a close code meaning "not for you": no retry).
     Returns { send(object) -> bool, isOpen() -> bool }. Also window.HealthStack.openSocket. */
  function openSocket(path, onFrame, onState) {
    onState = onState || function () {};
    var retry = 0;
    var stopped = false;
    var socket = null;
    function connect() {
      if (stopped || !("WebSocket" in window)) return;
      onState("connecting");
      try {
        socket = new WebSocket(socketUrl(path));
      } catch (e) {
        socket = null;
        schedule();
        return;
      }
      socket.addEventListener("open", function () {
        retry = 0;
        onState("open");
      });
      socket.addEventListener("message", function (event) {
        var frame;
        try { frame = JSON.parse(event.data); } catch (e) { return; }
        if (frame && typeof frame === "object") onFrame(frame);
      });
      socket.addEventListener("close", function (event) {
        socket = null;
        if (FINAL_CODES[event.code]) {
          stopped = true;
          onState("stopped", event.code);
          return;
        }
        onState("closed", event.code);
        schedule();
      });
    }
    function schedule() {
      var delay = Math.min(30000, 1000 * Math.pow(2, retry)) * (0.75 + Math.random() * 0.5);
      retry = Math.min(retry + 1, 6);
      window.setTimeout(connect, delay);
    }
    function isOpen() {
      return !!socket && socket.readyState === WebSocket.OPEN;
    }
    connect();
    return {
      isOpen: isOpen,
      send: function (frame) {
        if (!isOpen()) return false;
        socket.send(JSON.stringify(frame));
        return true;
      }
    };
  }

  window.HealthStack = window.HealthStack || {};
  window.HealthStack.openSocket = openSocket;

  /* --- Notifications: badge and toasts --------------------------------------------- */

  function toastContainer() {
    var box = document.getElementById("live-toasts");
    if (!box) {
      box = document.createElement("div");
      box.id = "live-toasts";
      box.className = "toast-container position-fixed bottom-0 end-0 p-3 live-toast-container";
      box.setAttribute("aria-live", "polite");
      box.setAttribute("aria-atomic", "false");
      document.body.appendChild(box);
    }
    return box;
  }

  function showToast(title, text, url, iconName) {
    var toast = document.createElement("div");
    toast.className = "toast";
    toast.setAttribute("role", "status");
    toast.setAttribute("data-testid", "live-toast");
    var header = document.createElement("div");
    header.className = "toast-header";
    var icon = document.createElement("i");
    icon.className = "bi bi-" + iconName + " text-primary me-2";
    icon.setAttribute("aria-hidden", "true");
    var strong = document.createElement("strong");
    strong.className = "me-auto";
    strong.textContent = title;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", "Close");
    header.appendChild(icon);
    header.appendChild(strong);
    header.appendChild(close);
    var body = document.createElement("div");
    body.className = "toast-body";
    if (url && url.charAt(0) === "/" && url.charAt(1) !== "/") {
      var link = document.createElement("a");
      link.href = url;
      link.className = "link-body-emphasis";
      link.textContent = text;
      body.appendChild(link);
    } else {
      body.textContent = text;
    }
    toast.appendChild(header);
    toast.appendChild(body);
    toastContainer().appendChild(toast);
    toast.addEventListener("hidden.bs.toast", function () { toast.remove(); });
    if (window.bootstrap && window.bootstrap.Toast) {
      window.bootstrap.Toast.getOrCreateInstance(toast, { delay: 8000 }).show();
    } else {
      toast.classList.add("show");
      window.setTimeout(function () { toast.remove(); }, 8000);
    }
  }

  function onNotificationFrame(frame) {
    /* Other scripts of the page follow the user's socket too (critical_results.js): every frame. */
    document.dispatchEvent(new CustomEvent("live:notification", { detail: frame }));
    if (frame.type === "notification") {
      if (typeof frame.unread === "number" && window.HealthStack) window.HealthStack.setUnreadCount(frame.unread);
      showToast("Notification", String(frame.title || ""), frame.url ? String(frame.url) : "", "bell");
    } else if (frame.type === "chat") {
      var url = frame.url ? String(frame.url) : "";
      if (url && window.location.pathname === url) return; /* that room is open: it shows the message itself */
      showToast("New message", "From " + String(frame.sender || "your doctor"), url, "chat-dots");
    }
  }

  var notificationsPath = script && script.getAttribute("data-notifications-socket");
  if (notificationsPath) openSocket(notificationsPath, onNotificationFrame);

  /* --- Regions that refresh themselves ----------------------------------------------- */

  var pending = {};
  var states = {};

  function busy(region) {
    /* Never swap a region away under someone typing in it or with a menu open in it. */
    var active = document.activeElement;
    if (active && region.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) return true;
    return !!region.querySelector(".dropdown-menu.show, .modal.show");
  }

  function refresh(id) {
    var region = document.getElementById(id);
    if (!region) return;
    if (busy(region)) {
      pending[id] = true;
      return;
    }
    pending[id] = false;
    if (window.htmx && typeof window.htmx.ajax === "function") {
      var path = region.getAttribute("data-live-socket");
      Promise.resolve(window.htmx.ajax("GET", window.location.href, {
        target: "#" + id, select: "#" + id, swap: "outerHTML",
        /* Not the person's own activity: the staff idle timeout may ignore it. */
        headers: { "X-Live-Refresh": "1" }
      }))
        .then(function () {
          var fresh = document.getElementById(id);
          if (fresh && states[path]) fresh.setAttribute("data-live-state", states[path]);
        });
    }
  }

  document.addEventListener("focusout", function () {
    window.setTimeout(function () {
      Object.keys(pending).forEach(function (id) { if (pending[id]) refresh(id); });
    }, 200);
  });
  document.addEventListener("hidden.bs.dropdown", function () {
    Object.keys(pending).forEach(function (id) { if (pending[id]) refresh(id); });
  });

  var timers = {};
  function onRegionFrame(path, frame) {
    if (frame.type !== "update") return;
    document.querySelectorAll("[data-live-socket]").forEach(function (region) {
      if (region.getAttribute("data-live-socket") !== path) return;
      region.dispatchEvent(new CustomEvent("live:update", { bubbles: true, detail: frame }));
      if (!region.id || region.hasAttribute("data-live-no-refresh")) return;
      /* Bursts (a booking notifies several groups) become one fetch. */
      window.clearTimeout(timers[region.id]);
      timers[region.id] = window.setTimeout(refresh.bind(null, region.id), 250);
    });
  }

  var opened = {};
  document.querySelectorAll("[data-live-socket]").forEach(function (region) {
    var path = region.getAttribute("data-live-socket");
    if (!path || path.charAt(0) !== "/" || opened[path]) return;
    opened[path] = true;
    openSocket(path, onRegionFrame.bind(null, path), function (state) {
      if (state === "connecting") return;
      state = state === "open" ? "open" : "closed";
      states[path] = state;
      /* data-live-state="open" on the regions while their updates can arrive (tests, styling). */
      document.querySelectorAll("[data-live-socket]").forEach(function (each) {
        if (each.getAttribute("data-live-socket") === path) each.setAttribute("data-live-state", state);
      });
    });
  });
})();
