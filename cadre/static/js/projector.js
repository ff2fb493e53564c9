// The projector page (签到大屏): poll a small JSON state every few seconds and update the
// QR, the code and the counts in place. No form and no CSRF token, so nothing expires;
// each poll is one short GET, so no web worker is held.
(function () {
  "use strict";
  var root = document.getElementById("projector");
  if (!root) { return; }
  var stateUrl = root.getAttribute("data-state-url");
  var poll = Math.max(1, parseFloat(root.getAttribute("data-poll-seconds")) || 3) * 1000;
  var statusLine = document.getElementById("status-line");

  function text(id, value) {
    var el = document.getElementById(id);
    if (el && el.textContent !== String(value)) { el.textContent = value; }
  }

  function render(state) {
    root.setAttribute("data-signin-url", state.signin_url);
    var qr = document.getElementById("qr");
    if (qr && state.qr_url && qr.getAttribute("src") !== state.qr_url) { qr.setAttribute("src", state.qr_url); }
    text("code", state.code);
    text("phase", state.phase_text);
    text("signed-in", state.signed_in);
    text("expected", state.expected);
    text("late", state.late);
    text("on-leave", state.on_leave);
    text("signed-out", state.signed_out);
    var list = document.getElementById("latest");
    var items = state.latest.map(function (item) {
      return item.time + " " + item.name + (item.status === "late" ? " · " + item.label : "");
    });
    var shown = Array.prototype.map.call(list.children, function (li) { return li.textContent; });
    if (shown.join("\n") !== items.join("\n")) {
      list.textContent = "";
      items.forEach(function (line) {
        var li = document.createElement("li");
        li.textContent = line;
        list.appendChild(li);
      });
    }
    root.classList.remove("stale");
    statusLine.textContent = "";
  }

  function schedule(ms) { window.setTimeout(tick, ms); }

  function tick() {
    var request = new XMLHttpRequest();
    request.open("GET", stateUrl, true);
    request.setRequestHeader("Accept", "application/json");
    request.timeout = 10000;
    request.onload = function () {
      var type = request.getResponseHeader("Content-Type") || "";
      if (request.status === 200 && type.indexOf("application/json") === 0) {
        try { render(JSON.parse(request.responseText)); } catch (e) { /* keep the last state */ }
      } else if (request.status === 401 || request.status === 403 || type.indexOf("text/html") === 0) {
        root.classList.add("stale");
        statusLine.textContent = root.getAttribute("data-login-text");
      } else {
        root.classList.add("stale");
        statusLine.textContent = root.getAttribute("data-stale-text");
      }
      schedule(poll);
    };
    request.onerror = request.ontimeout = function () {
      root.classList.add("stale");
      statusLine.textContent = root.getAttribute("data-stale-text");
      schedule(poll);
    };
    request.send();
  }

  schedule(poll);
}());
