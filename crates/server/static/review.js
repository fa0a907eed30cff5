// Vigie review console: countdowns, live queue refresh, claim renewal, revealing protected
// media, the decision form's relevant fields, and keyboard shortcuts. The pages work without
// it (forms post, links navigate); this only saves clicks and keeps the clock honest.
"use strict";

(function () {
  var lang = document.documentElement.lang || "en";
  var words = {
    en: { overdue: "overdue ", days: " d " },
    fr: { overdue: "dépassé de ", days: " j " },
  }[lang] || { overdue: "overdue ", days: " d " };

  // Same format as the server's `countdown_text`.
  function countdownText(seconds) {
    var left = Math.abs(seconds);
    var text;
    if (left < 3600) {
      var s = left % 60;
      text = Math.floor(left / 60) + ":" + (s < 10 ? "0" : "") + s;
    } else if (left < 48 * 3600) {
      var m = Math.floor((left % 3600) / 60);
      text = Math.floor(left / 3600) + " h " + (m < 10 ? "0" : "") + m;
    } else {
      text = Math.floor(left / 86400) + words.days + Math.floor((left % 86400) / 3600) + " h";
    }
    return seconds < 0 ? words.overdue + text : text;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (element) {
      var seconds = Math.floor((Date.parse(element.dataset.due) - now) / 1000);
      element.textContent = countdownText(seconds);
      element.classList.toggle("overdue", seconds < 0);
      element.classList.toggle("urgent", seconds < 15 * 60);
    });
  }
  tick();
  setInterval(tick, 1000);

  function typing(event) {
    var target = event.target;
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  // Enter belongs to the control that has the focus (a button, a link); it opens the current
  // row only when the focus is on the page itself or on the row.
  function onControl(event) {
    var target = event.target;
    return /^(A|BUTTON|SUMMARY|DETAILS)$/.test(target.tagName) && !target.closest("tr.case");
  }

  var help = document.getElementById("shortcuts");
  function toggleHelp() {
    if (!help) return;
    if (help.open) help.close(); else help.showModal();
  }

  // ---- The queue -------------------------------------------------------------------------
  var queue = document.getElementById("queue");
  var current = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-rows tr.case"));
  }

  function setCurrent(row) {
    if (current) current.classList.remove("current");
    current = row;
    if (row) {
      row.classList.add("current");
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    var index = list.indexOf(current);
    index = index < 0 ? 0 : Math.min(list.length - 1, Math.max(0, index + step));
    setCurrent(list[index]);
  }

  if (queue) {
    // Live refresh: the rows again, as the server orders them, every few seconds; the row
    // under the cursor and ticked boxes survive.
    var seconds = parseInt(queue.dataset.refresh, 10) || 15;
    setInterval(function () {
      if (document.hidden) return;
      var ticked = Array.prototype.map.call(
        document.querySelectorAll("#queue-rows input[name=case]:checked"), function (box) { return box.value; });
      var currentId = current ? current.dataset.id : null;
      var query = queue.dataset.query;
      ticked.forEach(function (id) { query += (query ? "&" : "") + "selected=" + encodeURIComponent(id); });
      fetch("/console/queue/rows" + (query ? "?" + query : ""), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) return;
          document.getElementById("queue-rows").innerHTML = html;
          current = null;
          if (currentId) {
            var again = document.querySelector('#queue-rows tr.case[data-id="' + currentId + '"]');
            if (again) setCurrent(again);
          }
          tick();
        })
        .catch(function () {});
    }, seconds * 1000);
  }

  // ---- The case page ---------------------------------------------------------------------
  var casePage = document.getElementById("case");
  if (casePage && casePage.dataset.mine) {
    // Keep the claim while the page is open: renewed every minute (it lasts three).
    setInterval(function () {
      var body = "csrf=" + encodeURIComponent(casePage.dataset.csrf) + "&renew=1";
      fetch("/console/cases/" + casePage.dataset.id + "/claim", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: body,
      }).catch(function () {});
    }, 60 * 1000);
  }

  // Revealing swaps one protected picture (or one video's frames) for the clear rendition,
  // which the server re-encodes too; nothing is revealed unless asked, and the same button (or
  // key) protects it again.
  function reveal(figure, show) {
    if (!figure) return;
    figure.querySelectorAll("img[data-clear]").forEach(function (image) {
      if (!image.dataset.protected) image.dataset.protected = image.getAttribute("src");
      if (!image.dataset.protectedAlt) image.dataset.protectedAlt = image.alt;
      image.src = show ? image.dataset.clear : image.dataset.protected;
      image.alt = show ? (image.dataset.clearAlt || image.alt) : image.dataset.protectedAlt;
      image.classList.toggle("protected", !show);
      image.classList.toggle("revealed", show);
    });
    var button = figure.querySelector("button.reveal");
    if (button) {
      button.setAttribute("aria-pressed", show ? "true" : "false");
      var label = button.querySelector(".label");
      if (label) label.textContent = show ? button.dataset.hide : button.dataset.reveal;
    }
  }
  document.querySelectorAll("figure.media button.reveal").forEach(function (button) {
    button.addEventListener("click", function () {
      var figure = button.closest("figure");
      reveal(figure, !figure.querySelector("img.revealed"));
    });
  });
  // r reveals the next protected picture; once all are revealed, it protects them again.
  function revealNext() {
    var next = document.querySelector("figure.media img.protected");
    if (next) {
      var figure = next.closest("figure");
      reveal(figure, true);
      figure.scrollIntoView({ block: "nearest" });
    } else {
      document.querySelectorAll("figure.media").forEach(function (figure) { reveal(figure, false); });
    }
  }

  // The decision form shows the fields the chosen decision takes.
  function syncForm(form) {
    var select = form.querySelector("select[name=decision]");
    if (!select) return;
    var kind = select.value;
    // Keeping the content up needs the counter-speech and an explanation; a ground is
    // optional, so it comes after them.
    var ground = form.querySelector(".ground-block");
    var explanation = form.querySelector(".explanation-block");
    if (ground && explanation) {
      var keep = kind === "keep_with_counter_speech";
      if (keep) explanation.after(ground); else select.closest("label").after(ground);
      ground.classList.toggle("optional", keep);
    }
    form.querySelectorAll(".for").forEach(function (block) {
      block.hidden = block.dataset.for.split(" ").indexOf(kind) < 0;
    });
    var groundType = form.querySelector("input[name=ground_type]:checked");
    form.querySelectorAll(".for-ground").forEach(function (block) {
      block.hidden = !groundType || block.dataset.ground !== groundType.value;
    });
  }
  document.querySelectorAll("form.decision-form").forEach(function (form) {
    form.addEventListener("change", function () { syncForm(form); });
    syncForm(form);
  });

  // Ctrl+Enter records the decision being prepared, wherever the cursor is (in a field, or
  // nowhere after Escape).
  function submitDecision() {
    var form = document.getElementById("decide");
    var panel = document.getElementById("bulk-panel");
    if (!form && panel && panel.open) form = document.getElementById("bulk");
    if (!form && document.activeElement) form = document.activeElement.closest("form.decision-form");
    if (!form) return false;
    form.requestSubmit();
    return true;
  }

  function chooseDecision(key) {
    var form = document.getElementById("decide") || document.getElementById("bulk");
    if (!form) return false;
    var option = form.querySelector('select[name=decision] option[data-key="' + CSS.escape(key) + '"]');
    if (!option) return false;
    var panel = document.getElementById("bulk-panel");
    if (panel && form.id === "bulk") panel.open = true;
    option.selected = true;
    syncForm(form);
    // The first empty field the decision needs, else the record button: one more key confirms.
    var kind = option.value;
    var fields = Array.prototype.filter.call(
      form.querySelectorAll(".for input:not([type=radio]):not([type=checkbox]), .for textarea, [data-required-for] textarea"),
      function (field) {
        var needed = field.closest("[data-required-for]");
        if (needed && needed.dataset.requiredFor.split(" ").indexOf(kind) < 0) return false;
        if (field.closest(".ground-block.optional")) return false;
        return !field.closest("[hidden]") && !field.value.trim() && field.name !== "bank_labels" && field.name !== "facts";
      });
    var target = fields[0] || form.querySelector("button[type=submit]");
    // Keep the panel's top (the decision chosen) in sight unless the field is below its fold.
    target.focus({ preventScroll: true });
    var panel = form.closest(".case-side");
    var depth = panel && target.getBoundingClientRect().bottom - panel.getBoundingClientRect().top + panel.scrollTop;
    if (panel && depth < panel.clientHeight) {
      panel.scrollTop = 0;
    } else {
      target.scrollIntoView({ block: "center" });
    }
    return true;
  }

  // b opens the bulk panel on its choice of decision, choosing none: the reviewer picks it.
  function openBulk() {
    var panel = document.getElementById("bulk-panel");
    var form = document.getElementById("bulk");
    if (!panel || !form) return false;
    panel.open = true;
    form.querySelector("select[name=decision]").focus();
    return true;
  }

  function submitForm(id) {
    var form = document.getElementById(id);
    if (form) form.requestSubmit();
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      if (submitDecision()) event.preventDefault();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      if (document.activeElement) document.activeElement.blur();
      return;
    }
    if (typing(event)) return;
    var handled = true;
    switch (event.key) {
      case "?": toggleHelp(); break;
      case "j": if (queue) move(1); else handled = false; break;
      case "k": if (queue) move(-1); else handled = chooseDecision("k"); break;
      case "Enter":
        if (queue && current && !onControl(event)) window.location = current.querySelector("a.open").href;
        else handled = false;
        break;
      case "x":
        if (queue && current) {
          var box = current.querySelector("input[name=case]");
          if (box) box.checked = !box.checked;
        } else handled = false;
        break;
      case "n": submitForm("next-case"); break;
      case "b": handled = openBulk(); break;
      case "/":
        var filter = document.querySelector("#filters select, #filters input");
        if (filter) filter.focus(); else handled = false;
        break;
      case "g": window.location = "/console/queue"; break;
      case "c": if (document.getElementById("claim-form")) submitForm("claim-form"); else handled = false; break;
      case "u": var release = document.getElementById("release"); if (release) release.click(); else handled = false; break;
      case "r": if (casePage) revealNext(); else handled = false; break;
      default: handled = chooseDecision(event.key);
    }
    if (handled) event.preventDefault();
  });

  // Filters in the address only when set: `?kind=removal_order`, not `?kind=&sender=&…`; and
  // a choice in a filter's list applies at once.
  var filterForm = document.getElementById("filters");
  if (filterForm) {
    filterForm.addEventListener("submit", function () {
      filterForm.querySelectorAll("select, input").forEach(function (field) {
        if ((field.type === "checkbox" && !field.checked) || (field.type !== "checkbox" && !field.value)) field.disabled = true;
      });
    });
    filterForm.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); filterForm.requestSubmit(); }
      });
    });
  }

  // A refused form: each field the server named is marked, and the cursor goes to the first.
  var firstInvalid = null;
  document.querySelectorAll("#errors li[data-input]").forEach(function (item) {
    // Field names are the server's own (letters and underscores); each names one control.
    var field = document.querySelector('form [name="' + item.dataset.input + '"]');
    if (!field || field.closest("[hidden]")) return;
    field.setAttribute("aria-invalid", "true");
    if (!item.id) item.id = "error-" + item.dataset.input;
    field.setAttribute("aria-describedby", item.id);
    if (!firstInvalid) firstInvalid = field;
  });
  if (firstInvalid) firstInvalid.focus();

  if (queue) move(0);
})();
