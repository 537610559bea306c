// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // dd/mm/yyyy typed as digits only: "05032026" -> "05/03/2026"; "5/3" -> "05/03/<this year>".
  function normaliseDate(value) {
    var v = value.trim();
    var m = v.match(/^(\d{2})(\d{2})(\d{4})$/);
    if (m) return m[1] + "/" + m[2] + "/" + m[3];
    m = v.match(/^(\d{1,2})[\/.\-](\d{1,2})(?:[\/.\-](\d{2}|\d{4}))?$/);
    if (m) {
      var y = m[3] ? (m[3].length === 2 ? "20" + m[3] : m[3]) : String(new Date().getFullYear());
      return ("0" + m[1]).slice(-2) + "/" + ("0" + m[2]).slice(-2) + "/" + y;
    }
    return value;
  }

  function setup(root) {
    root.querySelectorAll("input[data-date]").forEach(function (input) {
      input.addEventListener("blur", function () { input.value = normaliseDate(input.value); });
    });
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    root.querySelectorAll("[data-dropzone]").forEach(function (zone) {
      var input = zone.querySelector("input[type=file]");
      var list = zone.querySelector(".file-list");
      function show() {
        if (!list) return;
        list.innerHTML = "";
        Array.prototype.forEach.call(input.files, function (f) {
          var li = document.createElement("li");
          li.textContent = f.name + " (" + Math.max(1, Math.round(f.size / 1024)) + " KB)";
          list.appendChild(li);
        });
      }
      input.addEventListener("change", show);
      zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("dragover"); });
      zone.addEventListener("dragleave", function () { zone.classList.remove("dragover"); });
      zone.addEventListener("drop", function (e) {
        e.preventDefault();
        zone.classList.remove("dragover");
        if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); }
      });
    });
    // The list of people who may see a secret document matters only when the document is secret.
    root.querySelectorAll("select[name=secrecy]").forEach(function (select) {
      var target = select.form && select.form.querySelector("[data-secret-only]");
      if (!target) return;
      function toggle() { target.hidden = select.value === "normal"; }
      select.addEventListener("change", toggle);
      toggle();
    });
    // A second click on submit must not send the form again (the request token also guards this).
    root.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (form.dataset.sent) { e.preventDefault(); return; }
        form.dataset.sent = "1";
        form.querySelectorAll("button[type=submit]").forEach(function (b) {
          setTimeout(function () { b.disabled = true; }, 0);
        });
      });
    });
  }

  // Ctrl+Enter submits the registration form from any field.
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      var form = e.target.closest && e.target.closest("form[data-once]");
      if (form) { e.preventDefault(); form.requestSubmit(); }
    }
  });

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSwap", function (e) { setup(e.target); });
})();
