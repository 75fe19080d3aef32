/* Sorra web: live regions over server-sent events, elapsed-time clocks, confirmations. No polling. */
(function () {
  "use strict";
  var offset = 0; // server clock − browser clock, seconds

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function elapsed(s) {
    s = Math.max(0, Math.floor(s));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h ? h + ":" + pad(m) + ":" + pad(r) : m + ":" + pad(r);
  }
  function tick() {
    var now = Date.now() / 1000 + offset;
    var els = document.querySelectorAll("[data-since]");
    for (var i = 0; i < els.length; i++) {
      var since = parseFloat(els[i].getAttribute("data-since"));
      if (since > 0) els[i].textContent = elapsed(now - since);
    }
  }
  function setOffset(serverNow) {
    if (serverNow) offset = serverNow - Date.now() / 1000;
  }

  function live(el) {
    var url = el.getAttribute("data-live");
    var status = document.getElementById("live-status");
    var src = new EventSource(url);
    src.addEventListener("update", function (ev) {
      var data = JSON.parse(ev.data);
      if (data.now) setOffset(data.now);
      if (typeof data.html === "string") {
        el.innerHTML = data.html;
        var n = el.querySelector("[data-now]");
        if (n) setOffset(parseFloat(n.getAttribute("data-now")));
        tick();
      }
      if (data.state === "called" && el.getAttribute("data-state") !== "called" && navigator.vibrate) {
        navigator.vibrate([300, 150, 300]);
      }
      if (data.state) el.setAttribute("data-state", data.state);
      el.setAttribute("data-updated", String(Date.now()));
      if (status) { status.className = "live-status on"; }
    });
    src.onerror = function () { if (status) status.className = "live-status off"; };
    src.onopen = function () { if (status) status.className = "live-status on"; };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var n = document.querySelector("[data-now]");
    if (n) setOffset(parseFloat(n.getAttribute("data-now")));
    var regions = document.querySelectorAll("[data-live]");
    for (var i = 0; i < regions.length; i++) live(regions[i]);
    tick();
    setInterval(tick, 1000);
    document.addEventListener("submit", function (ev) {
      var msg = ev.target.getAttribute("data-confirm");
      if (msg && !window.confirm(msg)) ev.preventDefault();
    });
    var sel = document.querySelectorAll("select[data-autosubmit]");
    for (var j = 0; j < sel.length; j++) sel[j].addEventListener("change", function (ev) { ev.target.form.submit(); });
  });
})();
