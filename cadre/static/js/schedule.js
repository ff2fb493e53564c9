/* Session form: search-as-you-type for venues and speakers, live 学时. Without script the form's
   own buttons (查找 / 添加 / ↑ / 移除) do the same through the server. */
(function () {
  "use strict";
  var form = document.getElementById("session-form");
  if (!form) return;

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function setupPicker(picker) {
    var mode = picker.getAttribute("data-mode");
    var url = picker.getAttribute("data-search-url");
    var input = picker.querySelector(mode === "venue" ? "input[name=venue_name]" : "input[name=speaker_query]");
    var results = picker.querySelector(".picker-results");
    var hidden = mode === "venue" ? picker.querySelector("input[name=venue_id]") : null;
    var timer = null, seq = 0;
    if (!input || !results) return;

    function choose(item) {
      clear(results);
      if (mode === "venue") {
        hidden.value = item.id;
        input.value = item.name;
        return;
      }
      var list = picker.querySelector(".chosen-speakers");
      var exists = list.querySelector('input[name=speaker_ids][value="' + item.id + '"]');
      if (!exists) {
        var li = document.createElement("li");
        li.className = "list-group-item d-flex align-items-center gap-2";
        var h = document.createElement("input");
        h.type = "hidden"; h.name = "speaker_ids"; h.value = item.id;
        var label = document.createElement("span");
        label.className = "flex-grow-1"; label.textContent = item.label;
        var remove = document.createElement("button");
        remove.type = "button"; remove.className = "btn btn-sm btn-outline-danger text-nowrap";
        remove.textContent = picker.getAttribute("data-remove-label");
        remove.addEventListener("click", function () { li.parentNode.removeChild(li); });
        li.appendChild(h); li.appendChild(label); li.appendChild(remove);
        list.appendChild(li);
      }
      input.value = "";
      input.focus();
    }

    function show(items) {
      clear(results);
      items.forEach(function (item) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "list-group-item list-group-item-action picker-option";
        b.textContent = item.label + (item.address ? " · " + item.address : "");
        b.addEventListener("click", function () { choose(item); });
        results.appendChild(b);
      });
    }

    function search() {
      var q = input.value.trim();
      var mine = ++seq;
      if (!q) { clear(results); return; }
      var xhr = new XMLHttpRequest();  // plain XHR: old in-app browsers lack fetch
      xhr.open("GET", url + "?q=" + encodeURIComponent(q));
      xhr.onload = function () {
        if (mine !== seq || xhr.status !== 200) return;
        try { show(JSON.parse(xhr.responseText)); } catch (e) { clear(results); }
      };
      xhr.send();
    }

    input.addEventListener("input", function () {
      if (hidden) hidden.value = "";  // a changed name no longer means the picked venue
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
  }

  Array.prototype.forEach.call(form.querySelectorAll(".picker"), setupPicker);

  // A site visit or on-site teaching opens its meeting-and-stops section.
  var kind = form.elements["kind"], visit = document.getElementById("visit");
  if (kind && visit) {
    kind.addEventListener("change", function () {
      if (kind.value === "onsite" || kind.value === "site_visit") visit.open = true;
    });
  }

  // Live 学时: minutes / minutes per 学时, to the nearest half (a quarter rounds up), as the server does.
  var live = document.getElementById("hours-live");
  var perHour = parseInt(form.getAttribute("data-minutes-per-hour"), 10);
  function minutes(v) { var m = /^(\d{1,2})[:：.](\d{2})$/.exec((v || "").trim()); return m ? (+m[1]) * 60 + (+m[2]) : null; }
  function update() {
    var a = minutes(form.elements["start_time"].value), b = minutes(form.elements["end_time"].value);
    if (!live || a === null || b === null || b <= a || !perHour) { if (live) live.textContent = ""; return; }
    var halves = Math.floor((b - a) * 2 / perHour + 0.5);
    live.textContent = live.getAttribute("data-template").replace("H", String(halves / 2));
  }
  ["start_time", "end_time"].forEach(function (n) {
    var el = form.elements[n];
    if (el) { el.addEventListener("input", update); el.addEventListener("change", update); }
  });
  update();
})();
