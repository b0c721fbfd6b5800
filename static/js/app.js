/* HealthStack page behaviour. Loaded on every page after bootstrap.bundle and htmx.
   The CSP forbids inline scripts and handlers, so behaviour hangs off data- attributes:
     data-confirm="Text?"         on a <form> (on submit) or a button/link (on click): window.confirm first
     data-autodismiss="6000"      on an .alert: closes itself after that many ms
     data-bs-toggle="tooltip"     Bootstrap tooltip (also inside content htmx swaps in)
     data-autosubmit              on a form control: submits its form when it changes (filters)
     data-print                   on a button: window.print()
     data-formset-add="prefix"    clones <template id="prefix-empty"> into #prefix-forms (or data-formset-target)
     data-formset-remove          inside a [data-formset-form] / .formset-row: hides it and ticks its DELETE box
   User content is only ever set with textContent. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  /* htmx: send the CSRF token with every request it makes (same-origin only, htmx's default). */
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  /* Confirmations */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var text = form.getAttribute("data-confirm");
    if (form.dataset.confirmed === "1") {
      delete form.dataset.confirmed;
      return;
    }
    if (text && !window.confirm(text)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var el = event.target.closest("button[data-confirm], a[data-confirm], input[type=submit][data-confirm]");
    if (!el) return;
    if (!window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    } else if (el.form && el.form.hasAttribute("data-confirm")) {
      el.form.dataset.confirmed = "1"; // already asked; don't ask again for the form
    }
  }, true);

  /* Auto-dismiss alerts (success messages) */
  function scheduleDismiss(root) {
    root.querySelectorAll(".alert[data-autodismiss]").forEach(function (alert) {
      if (alert.dataset.dismissScheduled) return;
      alert.dataset.dismissScheduled = "1";
      var delay = parseInt(alert.getAttribute("data-autodismiss"), 10) || 6000;
      window.setTimeout(function () {
        if (!document.body.contains(alert)) return;
        if (window.bootstrap && window.bootstrap.Alert) {
          window.bootstrap.Alert.getOrCreateInstance(alert).close();
        } else {
          alert.remove();
        }
      }, delay);
    });
  }

  /* Tooltips */
  function enableTooltips(root) {
    if (!(window.bootstrap && window.bootstrap.Tooltip)) return;
    root.querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (el) {
      window.bootstrap.Tooltip.getOrCreateInstance(el);
    });
  }

  function init(root) {
    scheduleDismiss(root);
    enableTooltips(root);
  }

  if (window.htmx && typeof window.htmx.onLoad === "function") {
    window.htmx.onLoad(function (elt) { init(elt.querySelectorAll ? elt : document); });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }

  /* Tooltips left open when htmx swaps their element away */
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!(window.bootstrap && window.bootstrap.Tooltip)) return;
    var target = event.detail.target;
    if (!target || !target.querySelectorAll) return;
    target.querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (el) {
      var tip = window.bootstrap.Tooltip.getInstance(el);
      if (tip) tip.dispose();
    });
  });

  /* Filters that submit on change, and print buttons */
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      if (typeof el.form.requestSubmit === "function") el.form.requestSubmit();
      else el.form.submit();
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });

  /* Formsets */
  function replacePrefix(root, index) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    var node = walker.currentNode;
    while (node) {
      if (node.nodeType === Node.TEXT_NODE) {
        if (node.nodeValue.indexOf("__prefix__") !== -1) {
          node.nodeValue = node.nodeValue.split("__prefix__").join(String(index));
        }
      } else if (node.attributes) {
        for (var i = 0; i < node.attributes.length; i++) {
          var attr = node.attributes[i];
          if (attr.value.indexOf("__prefix__") !== -1) {
            node.setAttribute(attr.name, attr.value.split("__prefix__").join(String(index)));
          }
        }
      }
      node = walker.nextNode();
    }
  }

  function addForm(button) {
    var prefix = button.getAttribute("data-formset-add");
    var template = document.getElementById(prefix + "-empty");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    if (!template || !total) return;
    var maxInput = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    var index = parseInt(total.value, 10) || 0;
    var max = maxInput ? parseInt(maxInput.value, 10) : NaN;
    if (!isNaN(max) && index >= max) {
      button.disabled = true;
      return;
    }
    var fragment = template.content.cloneNode(true);
    var wrapper = document.createElement("div");
    wrapper.appendChild(fragment);
    replacePrefix(wrapper, index);
    var container = document.getElementById(button.getAttribute("data-formset-target") || prefix + "-forms");
    var added = Array.prototype.slice.call(wrapper.children);
    added.forEach(function (child) {
      if (container) container.appendChild(child);
      else template.parentNode.insertBefore(child, template);
    });
    total.value = String(index + 1);
    if (!isNaN(max) && index + 1 >= max) button.disabled = true;
    added.forEach(function (child) {
      if (window.htmx) window.htmx.process(child);
      init(child);
    });
    var first = added.length ? added[0].querySelector("input:not([type=hidden]), select, textarea") : null;
    if (first) first.focus();
    button.dispatchEvent(new CustomEvent("formset:added", { bubbles: true, detail: { prefix: prefix, index: index, forms: added } }));
  }

  function removeForm(button) {
    var row = button.closest("[data-formset-form]") || button.closest(".formset-row");
    if (!row) return;
    var del = row.querySelector('input[type=checkbox][name$="-DELETE"]');
    if (del) {
      del.checked = true;
    } else {
      /* No DELETE box (can_delete off): empty the row so Django treats it as an unchanged extra form. */
      row.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (field) {
        if (field.type === "checkbox" || field.type === "radio") field.checked = false;
        else field.value = "";
      });
    }
    row.hidden = true;
    row.classList.add("d-none");
    button.dispatchEvent(new CustomEvent("formset:removed", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-formset-add]");
    if (add) {
      event.preventDefault();
      addForm(add);
      return;
    }
    var remove = event.target.closest("[data-formset-remove]");
    if (remove) {
      event.preventDefault();
      removeForm(remove);
    }
  });

  /* Small helpers for other scripts (chat, live badges) */
  window.HealthStack = {
    csrfToken: csrfToken,
    setUnreadCount: function (count) {
      /* every badge: the navbar's and the phone bell's beside the menu toggler */
      var n = parseInt(count, 10) || 0;
      document.querySelectorAll("[data-unread-badge]").forEach(function (badge) {
        var label = badge.querySelector(".visually-hidden");
        badge.textContent = String(n);
        if (label) badge.appendChild(label);
        badge.classList.toggle("d-none", n <= 0);
      });
    }
  };
})();
