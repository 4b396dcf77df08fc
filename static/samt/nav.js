// The menu button on narrow screens, in place of Bootstrap's JavaScript (without JavaScript, nojs.css keeps the
// menu open and hides the button).
document.addEventListener("click", function (event) {
  var toggle = event.target.closest("[data-samt-toggle]");
  var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (!menu) { return; }
  event.preventDefault();
  var open = menu.classList.toggle("show");
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
  toggle.setAttribute("aria-label", open ? "بستن فهرست" : "نمایش فهرست");
});
