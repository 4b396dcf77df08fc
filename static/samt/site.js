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
