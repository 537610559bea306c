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
      // On a registration form the files go up at once (htmx) to be read; the input is then emptied so
      // the form does not send them a second time. If that upload fails they simply go with the form.
      function upload() {
        if (input.files.length && input.hasAttribute("hx-post") && window.htmx) htmx.trigger(input, "intake-upload");
      }
      input.addEventListener("change", function () { show(); upload(); });
      zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("dragover"); });
      zone.addEventListener("dragleave", function () { zone.classList.remove("dragover"); });
      zone.addEventListener("drop", function (e) {
        e.preventDefault();
        zone.classList.remove("dragover");
        if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); upload(); }
      });
      input.addEventListener("htmx:afterRequest", function (e) {
        if (e.detail.successful) {
          input.value = "";
          if (list) list.innerHTML = "";
        } else if (list) {
          var li = document.createElement("li");
          li.className = "error";
          li.textContent = "Chưa tải lên trước được; tệp sẽ được gửi kèm khi bấm vào sổ.";
          list.appendChild(li);
        }
      });
    });
    intakeSetup(root);
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

  // --- intake: what was read from a dropped file fills the registration form ---------------------
  // A field the clerk has typed in or chosen (any input/change event) is never overwritten. Text fields
  // are filled only when empty; selects only on a fresh form (their value is still the default).
  // Fields read with low confidence are marked "Kiểm tra lại" while they hold the value read.
  var intakeFilling = false;

  function intakeField(el) { return el.closest(".field") || el.parentNode; }

  function intakeMark(el, low) {
    var box = intakeField(el);
    box.classList.add("intake-filled");
    if (!low) return;
    box.classList.add("intake-low");
    if (!box.querySelector(".intake-hint")) {
      var hint = document.createElement("div");
      hint.className = "intake-hint";
      hint.textContent = "Kiểm tra lại";
      box.appendChild(hint);
    }
  }

  function intakeUnmark(el) {
    var box = intakeField(el);
    box.classList.remove("intake-filled", "intake-low");
    var hint = box.querySelector(".intake-hint");
    if (hint) hint.remove();
  }

  function intakeApply(root) {
    (root.querySelectorAll ? root : document).querySelectorAll(".intake-fill:not([data-applied])").forEach(function (box) {
      box.setAttribute("data-applied", "1");
      var form = box.closest("form");
      var script = box.querySelector("script");
      if (!form || !script) return;
      var data;
      try { data = JSON.parse(script.textContent); } catch (err) { return; }
      var wrap = form.querySelector("[data-intake]");
      var fresh = wrap && wrap.getAttribute("data-intake-fresh") === "1";
      var primary = form.querySelector("input[name=intake_primary]");
      var upload = box.getAttribute("data-upload");
      var mine = !primary || !primary.value || primary.value === upload;
      var autofill = box.getAttribute("data-autofill") === "1" && mine;
      var filled = 0;
      Object.keys(data).forEach(function (name) {
        var el = form.elements[name];
        if (!el || !el.tagName) return;
        var item = data[name];
        if (autofill && !el.hasAttribute("data-touched")) {
          var isSelect = el.tagName === "SELECT";
          var ok = isSelect ? fresh && Array.prototype.some.call(el.options, function (o) { return o.value === item.value; })
                            : !el.value.trim();
          if (ok && el.value !== item.value) {
            el.value = item.value;
            filled += 1;
            if (isSelect) {  // let the page react (the secret-only list), without counting it as the clerk's choice
              intakeFilling = true;
              el.dispatchEvent(new Event("change", { bubbles: true }));
              intakeFilling = false;
            }
          }
        }
        if (mine && el.value === item.value) intakeMark(el, item.low);
      });
      if (filled && primary && !primary.value) primary.value = upload;
    });
  }

  function intakeSetup(root) {
    var scope = root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-intake]").forEach(function (wrap) {
      var form = wrap.closest("form");
      if (!form || form.hasAttribute("data-intake-ready")) return;
      form.setAttribute("data-intake-ready", "1");
      function touched(e) {
        if (intakeFilling || !e.target.name || e.target.type === "file") return;
        e.target.setAttribute("data-touched", "1");
        if (e.type === "input" || e.type === "change") {
          var box = intakeField(e.target);
          if (box.classList.contains("intake-low")) intakeUnmark(e.target);
        }
      }
      form.addEventListener("input", touched);
      form.addEventListener("change", touched);
      form.addEventListener("click", function (e) {
        var button = e.target.closest("[data-intake-remove]");
        if (!button) return;
        var item = button.closest(".intake-file");
        var primary = form.querySelector("input[name=intake_primary]");
        if (item && primary && primary.value === item.getAttribute("data-upload")) primary.value = "";
        if (item) item.remove();
      });
    });
    intakeApply(scope);
  }

  document.addEventListener("htmx:load", function (e) { intakeApply(e.target); });

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
