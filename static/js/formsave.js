// Truthful autosave for the htmx forms that save on each change (tests, self-assessment,
// values): <form data-formsave="<storage key>" data-saving=… data-failed=… data-expired=…
// data-restored=… data-leave=…>, whose hx-target is the progress the server renders.
//
// - Only the server's answer says « enregistré »: while a save is in flight the progress says
//   « enregistrement… »; when it fails (network, server error, expired session, CSRF) it says
//   « non enregistré — nouvel essai… » and retries with backoff, never leaving a stale
//   « enregistré » on screen.
// - Until the server confirms, the answers are kept in localStorage; reopening the page
//   (after a reconnection, a crash, a new login) restores and saves them.
// - Leaving the page with unsaved answers asks first.
(function () {
  "use strict";

  var MAX_BACKOFF = 30000;

  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* private mode or full storage: the page still holds the answers */ }
  }

  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function fields(form) {
    var values = {};
    form.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "hidden") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      values[el.name] = el.value;
    });
    return values;
  }

  function FormSave(form) {
    var self = this;
    this.form = form;
    this.key = "formsave:" + form.dataset.formsave;
    this.target = document.querySelector(form.getAttribute("hx-target"));
    this.pending = false;
    this.backoff = 1000;
    this.timer = null;
    this.outcome = null;

    form.addEventListener("change", function () {
      self.pending = true;
      self.keep();
    });
    // htmx dispatches the swap events on the target (outside the form): listen on the
    // document and keep this form's requests.
    function mine(event) {
      var config = event.detail && event.detail.requestConfig;
      return config ? config.elt === form : event.target === form;
    }
    document.addEventListener("htmx:beforeRequest", function (event) {
      if (!mine(event)) return;
      clearTimeout(self.timer);
      self.say("saving", form.dataset.saving, false);
    });
    document.addEventListener("htmx:beforeSwap", function (event) {
      if (!mine(event)) return;
      var xhr = event.detail.xhr;
      // A redirect to the login page (expired session) is not a save, even if it says 200.
      if (xhr.responseURL && new URL(xhr.responseURL).pathname !== location.pathname) {
        event.detail.shouldSwap = false;
        self.outcome = "expired";
      } else if (xhr.status === 422) {
        event.detail.shouldSwap = true;  // a refusal the server explains in the progress
        self.outcome = "refused";
      } else if (xhr.status >= 400) {
        event.detail.shouldSwap = false;
        self.outcome = "failed";
      } else {
        self.outcome = "saved";
      }
    });
    document.addEventListener("htmx:afterRequest", function (event) {
      if (!mine(event)) return;
      var outcome = self.outcome;
      self.outcome = null;
      self.target = document.querySelector(form.getAttribute("hx-target"));
      if (outcome === "saved" || outcome === "refused") self.confirmed();
      else if (outcome === "expired") self.failed(form.dataset.expired, false);
      else self.failed(form.dataset.failed, true);  // failed, or no answer at all
    });
    window.addEventListener("beforeunload", function (event) {
      if (!self.pending) return;
      event.preventDefault();
      event.returnValue = form.dataset.leave || "";
      return event.returnValue;
    });
    window.addEventListener("online", function () { if (self.pending) self.retry(0); });
    // Submitting through a button (next page, finish) leaves the page on purpose: the server
    // saves what is posted, so nothing is lost.
    form.addEventListener("submit", function () { self.pending = false; });
    this.restore();
  }

  FormSave.prototype.keep = function () {
    store(this.key, { values: fields(this.form), at: Date.now() });
  };

  FormSave.prototype.say = function (state, text, alert) {
    if (!this.target) return;
    var old = this.target.querySelector(".ok, .save-state");
    if (old) old.remove();
    var span = document.createElement("span");
    span.className = "save-state state-" + state;
    span.textContent = text || "";
    if (alert) span.setAttribute("role", "alert");
    this.target.appendChild(span);
  };

  FormSave.prototype.confirmed = function () {
    this.backoff = 1000;
    var kept = load(this.key);
    var now = fields(this.form);
    if (kept && JSON.stringify(kept.values) !== JSON.stringify(now)) {
      this.keep();  // changed while the save was in flight: save that change too
      this.retry(0);
      return;
    }
    this.pending = false;
    store(this.key, null);
  };

  FormSave.prototype.failed = function (text, retry) {
    this.pending = true;
    this.keep();
    this.say("retry", text, true);
    if (retry) this.retry(this.backoff);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF);
  };

  FormSave.prototype.retry = function (delay) {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () {
      if (window.htmx) window.htmx.trigger(self.form, "change");
    }, delay);
  };

  FormSave.prototype.restore = function () {
    var kept = load(this.key);
    if (!kept) return;
    var form = this.form;
    var changed = false;
    Object.keys(kept.values).forEach(function (name) {
      form.querySelectorAll("[name='" + CSS.escape(name) + "']").forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") {
          if (el.value === kept.values[name] && !el.checked) { el.checked = true; changed = true; }
        } else if (el.value !== kept.values[name]) {
          el.value = kept.values[name];
          changed = true;
        }
      });
    });
    if (!changed) { store(this.key, null); return; }
    this.pending = true;
    this.say("retry", form.dataset.restored, true);
    this.retry(0);
  };

  document.querySelectorAll("form[data-formsave]").forEach(function (form) { new FormSave(form); });
})();
