// The prescription editor's lab test picker: search the hospital's catalogue as you type (a small JSON
// endpoint), move through the matches with the arrow keys, Enter or a click adds a ticked checkbox.
(function () {
  "use strict";

  function setup(picker) {
    var input = picker.querySelector("input[type=search]");
    var list = picker.querySelector("[role=listbox]");
    var chosen = picker.querySelector("[data-lab-chosen]");
    var field = picker.dataset.field;
    var url = picker.dataset.searchUrl;
    var active = -1;
    var timer = null;
    var results = [];

    function close() {
      list.classList.add("d-none");
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function add(test) {
      var existing = chosen.querySelector("input[value='" + test.id + "']");
      if (existing) { existing.checked = true; close(); input.value = ""; return; }
      var item = document.createElement("li");
      item.className = "form-check";
      var box = document.createElement("input");
      box.type = "checkbox"; box.className = "form-check-input"; box.name = field; box.value = test.id;
      box.id = "lab-test-" + test.id; box.checked = true;
      var label = document.createElement("label");
      label.className = "form-check-label"; label.htmlFor = box.id;
      label.textContent = test.name + " ";
      var code = document.createElement("span");
      code.className = "small text-body-secondary font-monospace"; code.textContent = test.code;
      label.appendChild(code);
      item.appendChild(box); item.appendChild(label);
      chosen.appendChild(item);
      input.value = "";
      close();
      input.focus();
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) {
        option.classList.toggle("active", i === index);
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (options[index]) { input.setAttribute("aria-activedescendant", options[index].id); }
    }

    function show(found) {
      results = found;
      list.textContent = "";
      if (!found.length) { close(); return; }
      found.forEach(function (test, i) {
        var option = document.createElement("li");
        option.className = "list-group-item list-group-item-action";
        option.setAttribute("role", "option");
        option.id = "lab-test-option-" + test.id;
        option.textContent = test.code + " · " + test.name;
        option.addEventListener("mousedown", function (event) { event.preventDefault(); add(test); });
        list.appendChild(option);
        if (i === 0) { option.setAttribute("aria-selected", "false"); }
      });
      list.classList.remove("d-none");
      input.setAttribute("aria-expanded", "true");
      highlight(0);
    }

    function search() {
      var text = input.value.trim();
      if (!text) { close(); return; }
      fetch(url + "?q=" + encodeURIComponent(text), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) { if (input.value.trim() === text) { show(body.results || []); } })
        .catch(close);
    }

    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 200); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && results.length) { event.preventDefault(); highlight(Math.min(active + 1, results.length - 1)); }
      else if (event.key === "ArrowUp" && results.length) { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (event.key === "Enter") {
        // Enter picks a match; it never submits the prescription from the search box.
        event.preventDefault();
        if (active >= 0 && results[active]) { add(results[active]); }
      } else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function start() { document.querySelectorAll("[data-lab-picker]").forEach(setup); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
