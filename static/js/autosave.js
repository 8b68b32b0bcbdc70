// Autosave of the entretien notes and checklist (templates/entretiens/conduct.html).
// Each note form saves ~800 ms after the last keystroke with the version it started from.
// Unsaved text stays in the field and in localStorage, and is retried with backoff; a
// conflict (409) shows both texts and pauses the field until the consultant chooses.
(function () {
  "use strict";

  var DELAY = 800;
  var MAX_BACKOFF = 30000;
  var labelsEl = document.getElementById("autosave-labels");
  if (!labelsEl) return;
  var L = labelsEl.dataset;

  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* private mode or full storage: the field still holds the text */ }
  }

  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"] || "";
  }

  function setState(output, state, html) {
    if (!output) return;
    output.className = "save-state state-" + state;
    if (html !== undefined) output.innerHTML = html;
    else output.textContent = L[state] || "";
  }

  function NoteField(form) {
    var self = this;
    this.form = form;
    this.textarea = form.querySelector("textarea[name=text]");
    this.versionInput = form.querySelector("input[name=base_version]");
    this.output = form.querySelector(".save-state");
    this.conflictBox = form.querySelector(".note-conflict");
    this.offerBox = form.querySelector(".note-offer");
    this.storageKey = form.dataset.storage;
    this.timer = null;
    this.inflight = false;
    this.again = false;
    this.backoff = 1000;
    this.paused = !!this.conflictBox.querySelector(".conflict");
    this.dirty = this.paused;
    if (this.textarea.readOnly) return;

    this.textarea.addEventListener("input", function () {
      self.dirty = true;
      self.keep();
      if (self.paused) return;
      setState(self.output, "saving");
      clearTimeout(self.timer);
      self.timer = setTimeout(function () { self.save(); }, DELAY);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(self.timer);
      self.paused = false;
      self.save();
    });
    this.conflictBox.addEventListener("click", function (event) {
      var choice = event.target.dataset && event.target.dataset.resolve;
      if (choice) self.resolve(choice);
    });
    this.offerLocal();
  }

  NoteField.prototype.version = function () { return parseInt(this.versionInput.value, 10) || 0; };

  NoteField.prototype.keep = function () {
    store(this.storageKey, { text: this.textarea.value, base_version: this.version(), at: Date.now() });
  };

  NoteField.prototype.offerLocal = function () {
    var self = this;
    var kept = load(this.storageKey);
    if (!kept) return;
    if (kept.text === this.textarea.value) { store(this.storageKey, null); return; }
    var when = new Date(kept.at).toLocaleTimeString();
    this.offerBox.hidden = false;
    this.offerBox.innerHTML = "";
    var p = document.createElement("p");
    p.textContent = L.offer + " (" + when + ")";
    var pre = document.createElement("blockquote");
    pre.textContent = kept.text;
    var restore = document.createElement("button");
    restore.type = "button"; restore.className = "small"; restore.textContent = L.restore;
    var discard = document.createElement("button");
    discard.type = "button"; discard.className = "small"; discard.textContent = L.discard;
    restore.addEventListener("click", function () {
      self.textarea.value = kept.text;
      // Saved from the version it was typed on: if the note moved on since, it is a conflict.
      self.versionInput.value = kept.base_version;
      self.offerBox.hidden = true;
      self.dirty = true;
      self.save();
    });
    discard.addEventListener("click", function () {
      store(self.storageKey, null);
      self.offerBox.hidden = true;
    });
    this.offerBox.append(p, pre, restore, " ", discard);
  };

  NoteField.prototype.save = function () {
    var self = this;
    if (this.inflight) { this.again = true; return; }
    this.inflight = true;
    var sent = this.textarea.value;
    var body = new FormData();
    body.append("text", sent);
    body.append("base_version", String(this.version()));
    setState(this.output, "saving");
    fetch(this.form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(this.form), "X-Autosave": "1" }
    }).then(function (response) {
      return response.text().then(function (html) { self.answered(response, html, sent); });
    }).catch(function () {
      self.inflight = false;
      self.retry();
    });
  };

  NoteField.prototype.answered = function (response, html, sent) {
    this.inflight = false;
    var version = response.headers.get("X-Note-Version");
    if (response.status === 200) {
      this.versionInput.value = version;
      this.backoff = 1000;
      if (this.textarea.value === sent && !this.again) {
        this.dirty = false;
        store(this.storageKey, null);
        setState(this.output, "saved", html);
      } else {
        this.again = false;
        this.keep();
        this.save();
      }
    } else if (response.status === 409) {
      this.paused = true;
      this.again = false;
      this.conflictBox.innerHTML = html;
      setState(this.output, "conflict");
    } else if (response.status >= 500 || response.status === 429 || response.status === 0) {
      this.retry();
    } else {
      // Refused (403, 404, 422): retrying would not help; the text stays here and locally.
      setState(this.output, "error", html && html.length < 2000 ? html : undefined);
    }
  };

  NoteField.prototype.retry = function () {
    var self = this;
    setState(this.output, "retry");
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.save(); }, this.backoff);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF);
  };

  NoteField.prototype.resolve = function (choice) {
    var box = this.conflictBox.querySelector(".conflict");
    var theirs = box.querySelector("[data-theirs]").value;
    var yours = box.querySelector("[data-yours]").value;
    this.versionInput.value = box.dataset.version;
    this.conflictBox.innerHTML = "";
    this.paused = false;
    if (choice === "theirs") {
      this.textarea.value = theirs;
      this.dirty = false;
      store(this.storageKey, null);
      setState(this.output, "saved");
      return;
    }
    if (choice === "merge") {
      this.textarea.value = theirs + "\n\n" + yours;
      this.textarea.focus();
    } else {
      this.textarea.value = yours;
    }
    this.dirty = true;
    this.keep();
    this.save();
  };

  // ---- checklist: each tick saves at once, retried on network errors ----------------------
  function saveCheck(box, backoff) {
    var output = box.parentNode.querySelector(".save-state");
    var body = new FormData();
    body.append("section", box.dataset.section);
    body.append("item", box.dataset.item);
    body.append("done", box.checked ? "1" : "0");
    setState(output, "saving");
    fetch(L.checklistUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(null), "X-Autosave": "1" }
    }).then(function (response) {
      if (response.ok) setState(output, "saved");
      else if (response.status >= 500) throw new Error("server");
      else setState(output, "error");
    }).catch(function () {
      setState(output, "retry");
      setTimeout(function () { saveCheck(box, Math.min(backoff * 2, MAX_BACKOFF)); }, backoff);
    });
  }

  // ---- timer: elapsed time since the page was first opened (kept across reloads) --------------
  function startTimer(el) {
    var opened = parseInt(sessionStorage.getItem(el.dataset.storage) || "", 10);
    if (!opened) {
      opened = Date.now();
      sessionStorage.setItem(el.dataset.storage, String(opened));
    }
    var start = document.querySelector("[data-held] input[name=actual_start]");
    if (start) start.value = localInput(new Date(opened));
    function tick() {
      var s = Math.max(0, Math.floor((Date.now() - opened) / 1000));
      var mm = Math.floor(s / 60), ss = s % 60;
      el.textContent = (mm < 10 ? "0" : "") + mm + ":" + (ss < 10 ? "0" : "") + ss;
    }
    tick();
    setInterval(tick, 1000);
  }

  function localInput(d) {
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) +
      "T" + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  var fields = Array.prototype.map.call(
    document.querySelectorAll("form[data-autosave]"), function (form) { return new NoteField(form); });

  document.querySelectorAll("input[data-checklist]").forEach(function (box) {
    box.addEventListener("change", function () { saveCheck(box, 1000); });
  });

  var timerEl = document.querySelector("[data-timer]");
  if (timerEl) startTimer(timerEl);

  var held = document.querySelector("form[data-held]");
  if (held) {
    held.addEventListener("submit", function () {
      var end = held.querySelector("input[name=actual_end]");
      if (end && !end.value) end.value = localInput(new Date());
    });
  }

  window.addEventListener("online", function () {
    fields.forEach(function (f) { if (f.dirty && !f.paused && !f.inflight) f.save(); });
  });
  window.addEventListener("beforeunload", function (event) {
    if (fields.some(function (f) { return f.dirty || f.inflight; })) {
      event.preventDefault();
      event.returnValue = L.leave;
    }
  });
})();
