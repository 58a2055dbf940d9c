// llmvalues study report: tooltips and layer toggles for the inline SVG map (no libraries).
(function () {
  "use strict";
  var dataNode = document.getElementById("report-data");
  var svg = document.getElementById("iw-map");
  var tip = document.getElementById("map-tip");
  if (!dataNode || !svg || !tip) { return; }
  var data = JSON.parse(dataNode.textContent);
  var box = svg.parentNode;

  function hide() { tip.hidden = true; }

  function place(event) {
    var frame = box.getBoundingClientRect();
    var x = event.clientX - frame.left + 14;
    var y = event.clientY - frame.top + 14;
    if (x + tip.offsetWidth > frame.width) { x = Math.max(0, x - tip.offsetWidth - 28); }
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }

  function show(event) {
    var target = event.target.closest ? event.target.closest("[data-tip]") : null;
    if (!target || !svg.contains(target)) { hide(); return; }
    var lines = data.tips[target.getAttribute("data-tip")];
    if (!lines) { hide(); return; }
    while (tip.firstChild) { tip.removeChild(tip.firstChild); }
    lines.forEach(function (text, i) {
      var line = document.createElement(i === 0 ? "strong" : "div");
      line.textContent = text;
      tip.appendChild(line);
    });
    tip.hidden = false;
    place(event);
  }

  svg.addEventListener("mouseover", show);
  svg.addEventListener("mousemove", function (event) { if (!tip.hidden) { place(event); } });
  svg.addEventListener("mouseleave", hide);

  function layer(name) {
    var groups = svg.querySelectorAll("g.layer");
    for (var i = 0; i < groups.length; i++) {
      if (groups[i].getAttribute("data-layer") === name) { return groups[i]; }
    }
    return null;
  }

  function setIdentity(name, on) {
    var marks = svg.querySelectorAll("[data-identity]");
    for (var i = 0; i < marks.length; i++) {
      if (marks[i].getAttribute("data-identity") === name) {
        marks[i].style.display = on ? "" : "none";
      }
    }
  }

  document.querySelectorAll("input[data-layer]").forEach(function (input) {
    input.addEventListener("change", function () {
      var group = layer(input.getAttribute("data-layer"));
      if (group) { group.style.display = input.checked ? "" : "none"; }
    });
  });
  document.querySelectorAll("input[data-identity]").forEach(function (input) {
    input.addEventListener("change", function () {
      setIdentity(input.getAttribute("data-identity"), input.checked);
    });
  });
  var labels = document.getElementById("toggle-country-labels");
  if (labels) {
    labels.addEventListener("change", function () {
      svg.classList.toggle("hide-country-labels", !labels.checked);
    });
  }
  document.querySelectorAll("button[data-identities]").forEach(function (button) {
    button.addEventListener("click", function () {
      var on = button.getAttribute("data-identities") === "all";
      document.querySelectorAll("input[data-identity]").forEach(function (input) {
        input.checked = on;
        setIdentity(input.getAttribute("data-identity"), on);
      });
    });
  });
}());
