// Signature pads for the attendance proof (émargement). No build step, no dependency.
// Each form[data-signature-form] holds a canvas.signature-pad, a hidden input
// name="signature_image" and radios name="method" (drawn | typed). Pointer events, so a
// mouse, a finger and a pen all draw. Without JavaScript the typed signature still works.
(function () {
  "use strict";

  function setUp(form) {
    var canvas = form.querySelector("canvas.signature-pad");
    var output = form.querySelector('input[name="signature_image"]');
    var clear = form.querySelector("[data-clear]");
    var sections = form.querySelectorAll("[data-method]");
    var radios = form.querySelectorAll('input[name="method"]');
    if (!canvas || !output) return;

    var ctx = canvas.getContext("2d");
    var drawing = false;
    var dirty = false;
    var last = null;

    canvas.style.touchAction = "none"; // a finger draws instead of scrolling the page
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";

    function point(event) {
      // The canvas is scaled by CSS: map client coordinates to its own pixels.
      var box = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - box.left) * canvas.width) / box.width,
        y: ((event.clientY - box.top) * canvas.height) / box.height,
      };
    }

    function down(event) {
      if (event.button !== undefined && event.button > 0) return;
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture && event.pointerId !== undefined) {
        try { canvas.setPointerCapture(event.pointerId); } catch (e) { /* synthetic events */ }
      }
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
      dirty = true;
    }

    function move(event) {
      if (!drawing) return;
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      if (!events.length) events = [event];
      events.forEach(function (e) {
        var p = point(e);
        ctx.beginPath();
        ctx.moveTo(last.x, last.y);
        ctx.lineTo(p.x, p.y);
        ctx.stroke();
        last = p;
      });
      dirty = true;
    }

    function up() {
      if (!drawing) return;
      drawing = false;
      output.value = dirty ? canvas.toDataURL("image/png") : "";
    }

    canvas.addEventListener("pointerdown", down);
    canvas.addEventListener("pointermove", move);
    canvas.addEventListener("pointerup", up);
    canvas.addEventListener("pointercancel", up);
    canvas.addEventListener("pointerleave", up);

    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        dirty = false;
        output.value = "";
      });
    }

    function chosen() {
      var checked = form.querySelector('input[name="method"]:checked');
      return checked ? checked.value : "drawn";
    }

    function showMethod() {
      var method = chosen();
      sections.forEach(function (section) {
        section.hidden = section.getAttribute("data-method") !== method;
      });
    }

    radios.forEach(function (radio) { radio.addEventListener("change", showMethod); });
    showMethod();

    form.addEventListener("submit", function () {
      if (chosen() === "drawn") output.value = dirty ? canvas.toDataURL("image/png") : "";
    });
  }

  function init() {
    document.querySelectorAll("form[data-signature-form]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
