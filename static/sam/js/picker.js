/* Pickers (sam/lib/pickers.py): a text input holding an identifier becomes a combobox that suggests labels
   as the user types. Without this file the plain input stays and the form checks what was typed.
   A picker of several values (a textarea of identifiers, one per line) keeps the textarea, hidden, as what is
   sent, and shows the chosen values as chips (label and remove button) above the combobox. */
(function () {
  "use strict";

  var DELAY = 200;

  function enhance(original) {
    var url = original.getAttribute("data-picker-url");
    var multiple = original.hasAttribute("data-picker-multiple");
    var id = original.id;
    var visible = document.createElement("input");
    visible.type = "text";
    visible.id = id;
    visible.className = original.className;
    visible.setAttribute("role", "combobox");
    visible.setAttribute("aria-autocomplete", "list");
    visible.setAttribute("aria-expanded", "false");
    visible.setAttribute("autocomplete", "off");
    ["aria-describedby", "aria-invalid", "required", "maxlength"].forEach(function (name) {
      if (original.hasAttribute(name)) { visible.setAttribute(name, original.getAttribute(name)); }
    });
    var list = document.createElement("ul");
    list.id = id + "-suggestions";
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    visible.setAttribute("aria-controls", list.id);
    var status = document.createElement("p");
    status.className = "picker-status visually-hidden";
    status.setAttribute("role", "status");

    original.id = id + "-value";
    var wrapper = document.createElement("div");
    wrapper.className = "picker";
    original.parentNode.insertBefore(wrapper, original);
    var chips = null;
    if (multiple) {
      original.hidden = true;
      chips = document.createElement("ul");
      chips.className = "picker-chips";
      chips.setAttribute("aria-label", original.getAttribute("data-picker-chosen") || "");
      wrapper.appendChild(chips);
    } else {
      original.type = "hidden";
    }
    wrapper.appendChild(visible);
    wrapper.appendChild(list);
    wrapper.appendChild(status);
    wrapper.appendChild(original);

    var options = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function close() {
      list.hidden = true;
      visible.setAttribute("aria-expanded", "false");
      visible.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      Array.prototype.forEach.call(list.children, function (item, position) {
        item.setAttribute("aria-selected", position === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        visible.setAttribute("aria-activedescendant", list.children[index].id);
        list.children[index].scrollIntoView({block: "nearest"});
      }
    }

    function chosenValues() {
      return original.value.split(/[\s,;]+/).filter(Boolean);
    }

    function addChip(value, label) {
      var chip = document.createElement("li");
      chip.className = "picker-chip";
      chip.setAttribute("data-value", value);
      var text = document.createElement("span");
      text.textContent = label;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "picker-chip-remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", (original.getAttribute("data-picker-remove") || "%(label)s")
        .replace("%(label)s", label));
      remove.addEventListener("click", function () {
        original.value = chosenValues().filter(function (kept) { return kept !== value; }).join("\n");
        chip.remove();
        visible.focus();
      });
      chip.appendChild(text);
      chip.appendChild(remove);
      chips.appendChild(chip);
      return chip;
    }

    function choose(index) {
      var option = options[index];
      if (!option) { return; }
      if (multiple) {
        var values = chosenValues();
        if (values.indexOf(option.value) < 0) {
          original.value = values.concat([option.value]).join("\n");
          addChip(option.value, option.label);
        }
        visible.value = "";
      } else {
        original.value = option.value;
        visible.value = option.label;
      }
      close();
    }

    function show(results, error) {
      options = results;
      list.textContent = "";
      results.forEach(function (option, index) {
        var item = document.createElement("li");
        item.id = list.id + "-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = option.label;
        if (option.detail) {
          var detail = document.createElement("span");
          detail.className = "picker-detail";
          detail.textContent = " " + option.detail;
          item.appendChild(detail);
        }
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(index); });
        list.appendChild(item);
      });
      status.textContent = error || (results.length
        ? (original.getAttribute("data-picker-count") || "%(count)s").replace("%(count)s", results.length)
        : original.getAttribute("data-picker-none") || "");
      status.classList.toggle("visually-hidden", !error);
      list.hidden = !results.length;
      visible.setAttribute("aria-expanded", results.length ? "true" : "false");
      active = -1;
    }

    function lookup(params) {
      // A field of the same form narrowing the suggestions (the rule category beside a rule picker).
      var narrowing = original.getAttribute("data-picker-narrowed-by");
      var narrower = narrowing && original.form ? original.form.elements[narrowing] : null;
      if (narrower && narrower.value) { params.type = narrower.value; }
      return fetch(url + "?" + new URLSearchParams(params).toString(), {credentials: "same-origin",
                                                                        headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); });
    }

    function ask(params, onAnswer) {
      var number = ++asked;
      lookup(params)
        .then(function (data) { if (number === asked) { onAnswer(data.results || [], data.error); } })
        .catch(function () { if (number === asked) { onAnswer([], ""); } });
    }

    visible.addEventListener("input", function () {
      // What is typed counts until a suggestion is chosen: the form checks it like the plain input.
      if (!multiple) { original.value = visible.value; }
      window.clearTimeout(timer);
      if (!visible.value.trim()) { show([]); close(); return; }
      timer = window.setTimeout(function () { ask({q: visible.value}, show); }, DELAY);
    });
    visible.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && options.length) {
        event.preventDefault();
        list.hidden = false;
        visible.setAttribute("aria-expanded", "true");
        highlight(Math.min(active + 1, options.length - 1));
      } else if (event.key === "ArrowUp" && options.length) {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Enter" && multiple && visible.value.trim()) {
        // Nothing chosen in the list (none offered, or the list is unavailable): what is typed is added as it
        // is, and the form checks it like the plain textarea.
        event.preventDefault();
        options = [{value: visible.value.trim(), label: visible.value.trim()}];
        choose(0);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    visible.addEventListener("blur", close);

    if (multiple) {
      // The values sent back with the form (or given in the address) show as chips, labelled once Vitam answers.
      chosenValues().forEach(function (value) {
        var chip = addChip(value, value);
        lookup({value: value}).then(function (data) {
          var found = (data.results || [])[0];
          if (found && found.value === value) {
            chip.firstChild.textContent = found.label;
            chip.lastChild.setAttribute("aria-label", (original.getAttribute("data-picker-remove") || "%(label)s")
              .replace("%(label)s", found.label));
          }
        }).catch(function () {});
      });
      return;
    }
    visible.value = original.value;
    if (original.value) {
      ask({value: original.value}, function (results) {
        if (results.length && original.value === results[0].value) { visible.value = results[0].label; }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-picker-url], textarea[data-picker-url]"), enhance);
  });
})();
