// Submits a form marked data-auto-submit once the page has loaded; the button stays for browsers without JS.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-auto-submit]");
  if (form) { form.submit(); }
});
