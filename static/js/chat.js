/* Chat room: live messages over /ws/chat/<id>/, typing, read receipts, older history.
   Everything a person wrote is set with textContent, never parsed as HTML.
   With the socket down the form still posts over HTTP, so the room keeps working. */
(function () {
  "use strict";
  var root = document.querySelector("[data-chat-room]");
  if (!root) return;

  var me = parseInt(root.getAttribute("data-me"), 10);
  var socketPath = root.getAttribute("data-socket-url");
  var historyUrl = root.getAttribute("data-history-url");
  var readUrl = root.getAttribute("data-read-url");
  var maxLength = parseInt(root.getAttribute("data-max-length"), 10) || 2000;
  var log = root.querySelector("[data-chat-log]");
  var list = root.querySelector("[data-chat-messages]");
  var empty = root.querySelector("[data-chat-empty]");
  var olderWrap = root.querySelector("[data-chat-older-wrap]");
  var olderButton = root.querySelector("[data-chat-older]");
  var form = root.querySelector("[data-chat-form]");
  var input = root.querySelector("[data-chat-input]");
  var fileInput = root.querySelector("[data-chat-file]");
  var fileName = root.querySelector("[data-chat-file-name]");
  var counter = root.querySelector("[data-chat-count]");
  var errorBox = root.querySelector("[data-chat-error]");
  var typingBox = root.querySelector("[data-chat-typing]");
  var aboutBox = root.querySelector("[data-chat-about]");
  var statusBadge = root.querySelector("[data-chat-status]");
  var statusText = root.querySelector("[data-chat-status-text]");

  var STOPPED_TEXT = { 4001: "Signed out", 4401: "Signed out", 4403: "Not available", 4404: "Not available" };
  var live = null; /* window.HealthStack.openSocket (live.js): reconnects with backoff */
  var everOpened = false;
  var typingTimer = null;
  var lastTypingSent = 0;
  var errorTimer = null;

  function csrf() {
    return window.HealthStack ? window.HealthStack.csrfToken() : "";
  }

  /* --- Rendering ------------------------------------------------------------------ */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function icon(name) {
    var i = el("i", "bi bi-" + name);
    i.setAttribute("aria-hidden", "true");
    return i;
  }

  function receipt(read) {
    var span = el("span", "chat-receipt" + (read ? " is-read" : ""));
    span.title = read ? "Read" : "Sent";
    span.appendChild(icon(read ? "check2-all" : "check2"));
    span.appendChild(el("span", "visually-hidden", read ? "Read" : "Sent"));
    return span;
  }

  function buildMessage(m) {
    var mine = m.sender === me;
    var node = el("div", "chat-msg " + (mine ? "chat-mine" : "chat-theirs"));
    node.setAttribute("data-id", String(m.id));
    node.setAttribute("data-day", m.day || "");
    node.setAttribute("data-sender", String(m.sender));
    var bubble = el("div", "chat-bubble");
    if (m.body) bubble.appendChild(el("div", "chat-body", m.body));
    if (m.attachment && typeof m.attachment.url === "string" && m.attachment.url.charAt(0) === "/") {
      var link = el("a", "chat-attachment");
      link.href = m.attachment.url;
      link.setAttribute("download", "");
      var i = icon(m.attachment.is_image ? "file-earmark-image" : "file-earmark-text");
      i.classList.add("me-1");
      link.appendChild(i);
      link.appendChild(el("span", "", m.attachment.name || "attachment"));
      bubble.appendChild(link);
    }
    node.appendChild(bubble);
    var meta = el("div", "chat-meta");
    var time = el("time", "", m.time || "");
    if (m.created_at) time.setAttribute("datetime", m.created_at);
    if (m.day) time.title = m.day;
    meta.appendChild(time);
    if (mine) meta.appendChild(receipt(!!m.read));
    node.appendChild(meta);
    return node;
  }

  function divider(day) {
    var node = el("div", "chat-day");
    node.setAttribute("data-day-divider", day);
    node.appendChild(el("span", "", day));
    return node;
  }

  function messages() {
    return list.querySelectorAll(".chat-msg[data-id]");
  }

  function lastId() {
    var all = messages();
    return all.length ? parseInt(all[all.length - 1].getAttribute("data-id"), 10) : 0;
  }

  function firstId() {
    var first = list.querySelector(".chat-msg[data-id]");
    return first ? parseInt(first.getAttribute("data-id"), 10) : 0;
  }

  function has(id) {
    return !!list.querySelector('.chat-msg[data-id="' + String(parseInt(id, 10)) + '"]');
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  }

  function scrollToBottom() {
    log.scrollTop = log.scrollHeight;
  }

  function append(m) {
    if (!m || typeof m.id !== "number" || has(m.id)) return false;
    var stick = nearBottom() || m.sender === me;
    var all = messages();
    var last = all.length ? all[all.length - 1] : null;
    if (last && m.id < parseInt(last.getAttribute("data-id"), 10)) {
      /* Arrived out of order (a catch-up racing a live frame): put it in its place. */
      for (var k = 0; k < all.length; k++) {
        if (parseInt(all[k].getAttribute("data-id"), 10) > m.id) {
          list.insertBefore(buildMessage(m), all[k]);
          return true;
        }
      }
    }
    if (!last || last.getAttribute("data-day") !== m.day) list.appendChild(divider(m.day));
    list.appendChild(buildMessage(m));
    empty.classList.add("d-none");
    if (stick) scrollToBottom();
    return true;
  }

  function prepend(batch) {
    if (!batch.length) return;
    var before = log.scrollHeight;
    var fragment = document.createDocumentFragment();
    var day = null;
    batch.forEach(function (m) {
      if (has(m.id)) return;
      if (m.day !== day) {
        fragment.appendChild(divider(m.day));
        day = m.day;
      }
      fragment.appendChild(buildMessage(m));
    });
    var firstDivider = list.firstElementChild;
    if (firstDivider && firstDivider.hasAttribute("data-day-divider") && firstDivider.getAttribute("data-day-divider") === day) {
      firstDivider.remove();
    }
    list.insertBefore(fragment, list.firstChild);
    empty.classList.add("d-none");
    log.scrollTop += log.scrollHeight - before;
  }

  function markReadUpTo(upTo) {
    messages().forEach(function (node) {
      if (parseInt(node.getAttribute("data-sender"), 10) !== me) return;
      if (parseInt(node.getAttribute("data-id"), 10) > upTo) return;
      var old = node.querySelector(".chat-receipt");
      if (old && !old.classList.contains("is-read")) old.replaceWith(receipt(true));
    });
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.classList.remove("d-none");
    window.clearTimeout(errorTimer);
    errorTimer = window.setTimeout(function () { errorBox.classList.add("d-none"); }, 6000);
  }

  function showTyping(name) {
    typingBox.textContent = name + " is typing\u2026";
    typingBox.classList.remove("d-none");
    aboutBox.classList.add("d-none");
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(hideTyping, 3500);
  }

  function hideTyping() {
    typingBox.classList.add("d-none");
    aboutBox.classList.remove("d-none");
  }

  function setStatus(state, text) {
    statusBadge.classList.remove("is-live", "is-down", "is-connecting");
    statusBadge.classList.add("is-" + state);
    statusText.textContent = text;
    statusBadge.title = state === "live" ? "Messages arrive as they are sent"
      : "Live updates are off; messages still send, reload to see new ones";
  }

  /* --- Reading ---------------------------------------------------------------------- */

  function theirsUnseen() {
    return !!list.querySelector(".chat-theirs");
  }

  function sendRead() {
    if (document.visibilityState !== "visible" || !theirsUnseen()) return;
    if (!(live && live.send({ type: "read" }))) {
      fetch(readUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(), Accept: "application/json" }
      }).catch(function () {});
    }
  }

  function fetchMessages(query) {
    return fetch(historyUrl + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("history " + response.status);
        return response.json();
      });
  }

  function catchUp() {
    var after = lastId();
    fetchMessages("after=" + after).then(function (data) {
      (data.messages || []).forEach(append);
      if (data.has_more) catchUp();
      else sendRead();
    }).catch(function () {});
  }

  olderButton.addEventListener("click", function () {
    var before = firstId();
    if (!before) return;
    olderButton.disabled = true;
    fetchMessages("before=" + before).then(function (data) {
      prepend(data.messages || []);
      if (!data.has_more) olderWrap.classList.add("d-none");
    }).catch(function () {
      showError("Could not load older messages. Try again.");
    }).then(function () { olderButton.disabled = false; });
  });

  /* --- The socket ------------------------------------------------------------------- */

  function onFrame(frame) {
    if (frame.type === "message" && frame.message) {
      if (append(frame.message) && frame.message.sender !== me) {
        hideTyping();
        sendRead();
      }
    } else if (frame.type === "typing" && frame.user !== me) {
      showTyping(String(frame.name || "Someone"));
    } else if (frame.type === "read" && frame.reader !== me) {
      markReadUpTo(parseInt(frame.up_to, 10) || 0);
    } else if (frame.type === "error") {
      showError(String(frame.message || "That was not sent."));
    }
  }

  function onState(state, code) {
    if (state === "connecting") {
      setStatus("connecting", everOpened ? "Reconnecting\u2026" : "Connecting\u2026");
    } else if (state === "open") {
      setStatus("live", "Live");
      root.setAttribute("data-chat-live", "1");
      if (everOpened) catchUp(); else sendRead();
      everOpened = true;
    } else {
      root.removeAttribute("data-chat-live");
      setStatus("down", state === "stopped" ? (STOPPED_TEXT[code] || "Offline") : "Offline");
    }
  }

  /* --- Sending ---------------------------------------------------------------------- */

  function resetForm() {
    input.value = "";
    fileInput.value = "";
    fileName.textContent = "";
    counter.textContent = "0";
    autosize();
  }

  function postOverHttp() {
    var data = new FormData(form);
    var sendButton = form.querySelector("[data-chat-send]");
    sendButton.disabled = true;
    return fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok) {
        showError(String(result.body.error || "That was not sent."));
        return;
      }
      append(result.body.message);
      resetForm();
    }).catch(function () {
      form.submit(); /* no JSON answer: let the browser post and reload */
    }).then(function () { sendButton.disabled = false; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value.trim();
    var hasFile = fileInput.files && fileInput.files.length > 0;
    if (!body && !hasFile) {
      input.focus();
      return;
    }
    if (body.length > maxLength) {
      showError("A message can be at most " + maxLength + " characters.");
      return;
    }
    if (!hasFile && live && live.send({ type: "message", body: body })) {
      resetForm();
    } else {
      postOverHttp();
    }
    input.focus();
  });

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 160) + "px";
  }

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  input.addEventListener("input", function () {
    counter.textContent = String(input.value.length);
    autosize();
    var now = Date.now();
    if (input.value && live && now - lastTypingSent > 2000 && live.send({ type: "typing" })) {
      lastTypingSent = now;
    }
  });

  fileInput.addEventListener("change", function () {
    fileName.textContent = fileInput.files && fileInput.files.length ? "Attached: " + fileInput.files[0].name : "";
  });

  document.addEventListener("visibilitychange", sendRead);

  scrollToBottom();
  if (window.HealthStack && window.HealthStack.openSocket) {
    live = window.HealthStack.openSocket(socketPath, onFrame, onState);
  } else {
    setStatus("down", "Offline");
  }
})();
