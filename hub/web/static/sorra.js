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

  // The ticket layout form: rows move and go, the preview follows every change (a PNG from the hub).
  function layoutEditor(form) {
    var body = document.getElementById("layout-rows");
    var img = document.getElementById("layout-preview");
    var err = document.getElementById("layout-preview-error");
    var timer = null;
    function renumber() {
      var rows = body.querySelectorAll(".block");
      for (var i = 0; i < rows.length; i++) {
        var fields = rows[i].querySelectorAll("[name]");
        for (var k = 0; k < fields.length; k++) {
          fields[k].name = fields[k].name.replace(/^b(\d+|NEW)_/, "b" + i + "_");
        }
      }
    }
    function lang() {
      var r = document.querySelector("input[name=preview_lang]:checked");
      return r ? r.value : "hu";
    }
    function refresh() {
      var params = new URLSearchParams(new FormData(form));
      params.delete("csrf");
      params.set("lang", lang());
      img.src = "/admin/layout/preview.png?" + params.toString();
    }
    function later() { clearTimeout(timer); timer = setTimeout(refresh, 350); }
    img.addEventListener("load", function () { img.hidden = false; err.hidden = true; });
    img.addEventListener("error", function () { img.hidden = true; err.hidden = false; });
    form.addEventListener("input", later);
    form.addEventListener("change", function (ev) {
      if (ev.target.name && /_type$/.test(ev.target.name)) ev.target.closest(".block").setAttribute("data-type", ev.target.value);
      if (ev.target.hasAttribute("data-remove")) ev.target.closest(".block").classList.toggle("removed", ev.target.checked);
      later();
    });
    form.addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-move]");
      if (!b) return;
      var tr = b.closest(".block");
      if (b.getAttribute("data-move") === "-1" && tr.previousElementSibling) body.insertBefore(tr, tr.previousElementSibling);
      else if (b.getAttribute("data-move") === "1" && tr.nextElementSibling) body.insertBefore(tr.nextElementSibling, tr);
      renumber();
      refresh();
    });
    document.getElementById("layout-add").addEventListener("click", function () {
      var tpl = document.getElementById("layout-new-row");
      body.appendChild(tpl.content.firstElementChild.cloneNode(true));
      renumber();
      body.lastElementChild.querySelector("input[type=text]").focus();
    });
    var langs = document.querySelectorAll("input[name=preview_lang]");
    for (var j = 0; j < langs.length; j++) langs[j].addEventListener("change", refresh);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var lf = document.querySelector("form[data-layout-form]");
    if (lf) layoutEditor(lf);
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
