// A small rich-text editor for the synthèse sections (templates/synthese/edit.html).
// Progressive enhancement: each <textarea data-richtext> stays the form field (hidden) and an
// editable area with a toolbar writes its HTML into it. Only what the server keeps is offered
// (paragraphs, bold, italic, lists, intertitles, links); the server sanitises every save
// anyway (bilan/documents/sanitize.py). Pasting inserts plain text: nothing pasted can run.
(function () {
  "use strict";

  var labels = document.getElementById("richtext-labels");
  if (!labels) return;
  var L = labels.dataset;
  var TOOLS = [
    ["bold", L.bold, null],
    ["italic", L.italic, null],
    ["formatBlock", L.heading, "h3"],
    ["formatBlock", L.paragraph, "p"],
    ["insertUnorderedList", L.bullets, null],
    ["insertOrderedList", L.numbers, null],
    ["createLink", L.link, null],
  ];

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  // Plain text (as typed before this editor, or by a client without JS) becomes paragraphs.
  function asHtml(value) {
    if (/^\s*</.test(value)) return value;
    return value.split(/\n\s*\n/).filter(function (p) { return p.trim(); }).map(function (p) {
      return "<p>" + escapeHtml(p.trim()).replace(/\n/g, "<br>") + "</p>";
    }).join("");
  }

  function enhance(textarea) {
    var editor = document.createElement("div");
    editor.className = "richtext";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    editor.setAttribute("aria-labelledby", textarea.id + "-label");
    editor.dataset.placeholder = textarea.placeholder || "";
    editor.innerHTML = asHtml(textarea.value);

    var bar = document.createElement("div");
    bar.className = "richtext-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", L.toolbar);
    TOOLS.forEach(function (tool) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = tool[1];
      button.addEventListener("mousedown", function (e) { e.preventDefault(); });
      button.addEventListener("click", function () {
        editor.focus();
        var value = tool[2];
        if (tool[0] === "createLink") {
          value = window.prompt(L.linkPrompt, "https://");
          if (!value || !/^(https?:|mailto:)/i.test(value)) return;
        }
        document.execCommand(tool[0], false, value);
        sync();
      });
      bar.appendChild(button);
    });

    function sync() { textarea.value = editor.innerHTML.trim() === "<br>" ? "" : editor.innerHTML; }
    editor.addEventListener("input", sync);
    editor.addEventListener("paste", function (e) {
      e.preventDefault();
      var text = (e.clipboardData || window.clipboardData).getData("text/plain");
      document.execCommand("insertText", false, text);
    });
    if (textarea.form) textarea.form.addEventListener("submit", sync);

    textarea.hidden = true;
    textarea.parentNode.insertBefore(bar, textarea);
    textarea.parentNode.insertBefore(editor, textarea);
  }

  document.querySelectorAll("textarea[data-richtext]").forEach(function (textarea) {
    if (!textarea.readOnly) enhance(textarea);
  });
})();
