// The portal's own small script: keyboard and screen-reader help that every page shares.

// A table wider than a phone scrolls inside its box; the box takes the keyboard focus so it can be scrolled
// without a mouse (templates may say tabindex="0" themselves; new tables are covered here).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".table-responsive:not([tabindex])").forEach(function (box) {
    box.tabIndex = 0;
  });
});

// A form that came back with errors: say so once in an alert (screen readers announce it) and put the keyboard
// on the first field to correct, whose label and error (aria-describedby) are then read out.
document.addEventListener("DOMContentLoaded", function () {
  var first = document.querySelector(
    "main :is(input, select, textarea):is([aria-invalid=true], .is-invalid)");
  if (!first) { return; }
  var form = first.closest("form");
  var count = form ? form.querySelectorAll(".invalid-feedback, .errorlist").length : 0;
  if (form && count && !form.querySelector("[data-error-summary]")) {
    var summary = document.createElement("div");
    summary.className = "alert alert-danger";
    summary.setAttribute("role", "alert");
    summary.setAttribute("data-error-summary", "");
    summary.textContent = "فرم کامل نیست: " + String(count).replace(/[0-9]/g, function (d) {
      return "۰۱۲۳۴۵۶۷۸۹"[d];
    }) + " خانه را درست کنید.";
    form.insertBefore(summary, form.firstChild);
  }
  first.focus();
});

// The credential request form: the attorney's fields show only when the applicant is an attorney. Without
// JavaScript they simply stay visible.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("attorney-fields");
  if (!box) { return; }
  function sync() {
    var attorney = document.querySelector("input[name=applicant]:checked");
    box.hidden = !(attorney && attorney.value === "attorney");
  }
  document.querySelectorAll("input[name=applicant]").forEach(function (radio) {
    radio.addEventListener("change", sync);
  });
  sync();
});

// A credential letter comes back as a download, so its request page would not change by itself: show the new
// state once the download has started.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".js-letter-download").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelector("button").disabled = true;
      setTimeout(function () { window.location.reload(); }, 2500);
    });
  });
});
