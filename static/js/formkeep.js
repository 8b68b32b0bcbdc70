// Nothing typed is lost to an expired session or a dropped network (issue 17): the text of a
// <form data-formkeep="<key>" data-kept="…" data-clear="…"> (journal entry, message) is kept
// in localStorage while it is typed. If the form is sent and the next page confirms it (a
// success message), the copy is dropped; if not (the session had expired and the login page
// came instead, the network failed), the text is put back in the form when it is shown again,
// with a notice, until it is sent. Files cannot be kept: only text fields are.
(function () {
  "use strict";

  var PREFIX = "formkeep:";
  var CONFIRM_WINDOW = 10 * 60 * 1000;

  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* private mode or full storage */ }
  }
  function textFields(form) {
    return Array.prototype.filter.call(form.querySelectorAll("textarea, input"), function (el) {
      return el.name && (el.tagName === "TEXTAREA" || el.type === "text" || el.type === "search");
    });
  }

  // A page saying a save succeeded confirms what was sent just before.
  if (document.querySelector(".msg-success")) {
    Object.keys(localStorage).forEach(function (key) {
      if (key.indexOf(PREFIX) !== 0) return;
      var kept = load(key);
      if (kept && kept.sent && Date.now() - kept.sent < CONFIRM_WINDOW) store(key, null);
    });
  }

  document.querySelectorAll("form[data-formkeep]").forEach(function (form) {
    var key = PREFIX + form.dataset.formkeep;
    var fields = textFields(form);
    var kept = load(key);
    if (kept && kept.values) {
      var restored = false;
      fields.forEach(function (el) {
        var value = kept.values[el.name];
        if (value && value !== el.value) { el.value = value; restored = true; }
      });
      if (restored) {
        var notice = document.createElement("p");
        notice.className = "msg msg-warning";
        notice.setAttribute("role", "status");
        notice.textContent = form.dataset.kept + " ";
        var clear = document.createElement("button");
        clear.type = "button";
        clear.className = "small";
        clear.textContent = form.dataset.clear;
        clear.addEventListener("click", function () {
          store(key, null);
          fields.forEach(function (el) { if (kept.values[el.name]) el.value = ""; });
          notice.remove();
        });
        notice.appendChild(clear);
        form.insertBefore(notice, form.firstChild);
      } else {
        store(key, null);
      }
    }
    function keep(sent) {
      var values = {};
      var any = false;
      fields.forEach(function (el) { values[el.name] = el.value; any = any || !!el.value.trim(); });
      store(key, any ? { values: values, at: Date.now(), sent: sent || null } : null);
    }
    form.addEventListener("input", function () { keep(null); });
    form.addEventListener("submit", function () { keep(Date.now()); });
  });

  // A form with <form data-warn-unsaved="…"> (centres d'intérêt, synthèse editor) asks before
  // the page is left with changes not yet saved.
  var dirty = [];
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    function mark() { if (dirty.indexOf(form) < 0) dirty.push(form); }
    form.addEventListener("input", mark);
    form.addEventListener("change", mark);
    form.addEventListener("submit", function () { dirty = dirty.filter(function (f) { return f !== form; }); });
  });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty.length) return;
    event.preventDefault();
    event.returnValue = dirty[0].dataset.warnUnsaved;
    return event.returnValue;
  });
})();
