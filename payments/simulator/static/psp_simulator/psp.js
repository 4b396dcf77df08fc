// Countdowns, and the way back to the merchant after the receipt page (v4.1 GET link or v3.3 POST form).
(function () {
  "use strict";
  var persian = "۰۱۲۳۴۵۶۷۸۹";
  function fa(text) { return String(text).replace(/[0-9]/g, function (d) { return persian[+d]; }); }
  function clock(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return fa(m + ":" + (s < 10 ? "0" : "") + s);
  }

  document.querySelectorAll("[data-countdown]").forEach(function (el) {
    var left = parseInt(el.dataset.countdown, 10);
    var tick = function () {
      if (left <= 0) {
        el.textContent = el.dataset.countdownEnd || clock(0);
        if (el.dataset.disables) {
          document.querySelectorAll(el.dataset.disables).forEach(function (b) { b.disabled = true; });
        }
        return;
      }
      el.textContent = clock(left);
      left -= 1;
      setTimeout(tick, 1000);
    };
    tick();
  });

  function go(target) {
    if (target.tagName === "FORM") { target.submit(); } else { window.location.assign(target.href); }
  }
  function firstDelivery(target) {
    var options = { credentials: "include", mode: "no-cors" };
    if (target.tagName === "FORM") {
      options.method = "POST";
      options.body = new URLSearchParams(new FormData(target));
      return fetch(target.action, options);
    }
    return fetch(target.href, options);
  }
  // "twice" waits for the first delivery to finish; "twice_concurrent" fires both at once.
  function deliver(box, target) {
    var mode = box.dataset.callbackMode;
    if (box.dataset.sent) { return; }
    box.dataset.sent = "1";
    if (mode === "twice") { firstDelivery(target).catch(function () {}).then(function () { go(target); }); return; }
    if (mode === "twice_concurrent") { firstDelivery(target).catch(function () {}); }
    go(target);
  }

  document.querySelectorAll("[data-auto-return]").forEach(function (box) {
    var target = box.querySelector("[data-callback]");
    if (!target) { return; }
    var handler = function (event) { event.preventDefault(); deliver(box, target); };
    target.addEventListener(target.tagName === "FORM" ? "submit" : "click", handler);
    var seconds = parseInt(box.dataset.autoReturn, 10);
    if (seconds > 0) { setTimeout(function () { deliver(box, target); }, seconds * 1000); }
  });
})();
