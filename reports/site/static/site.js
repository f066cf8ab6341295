/* newswatch archive: the timeline filter and the search box. No server, no libraries. */
"use strict";

function newswatchTimeline() {
  var category = document.getElementById("category");
  var period = document.getElementById("period");
  var entries = Array.prototype.slice.call(document.querySelectorAll("#timeline .entry"));
  var shown = document.getElementById("shown");
  var none = document.getElementById("none");
  var params = new URLSearchParams(location.search);
  if (params.get("category")) category.value = params.get("category");
  if (params.get("period")) period.value = params.get("period");
  function apply() {
    var count = 0;
    entries.forEach(function (li) {
      var ok = (!category.value || li.dataset.category === category.value) &&
        (!period.value || li.dataset.month.indexOf(period.value) === 0);
      li.hidden = !ok;
      if (ok) count += 1;
    });
    shown.textContent = count + " of " + entries.length;
    none.hidden = count !== 0;
  }
  category.addEventListener("change", apply);
  period.addEventListener("change", apply);
  apply();
}

function newswatchFold(text) {
  return (text || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
}

function newswatchSearch(index) {
  var box = document.getElementById("q");
  var list = document.getElementById("results");
  var count = document.getElementById("count");
  var haystacks = index.map(function (r) {
    return newswatchFold([r.headline, r.gist].concat(r.titles).join("\n"));
  });
  function show() {
    var words = newswatchFold(box.value).split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!words.length) { count.textContent = index.length + " developments indexed"; return; }
    var hits = index.filter(function (r, k) {
      return words.every(function (w) { return haystacks[k].indexOf(w) !== -1; });
    });
    count.textContent = hits.length + " of " + index.length + " developments";
    hits.forEach(function (r) {
      var li = document.createElement("li");
      li.className = "result";
      var a = document.createElement("a");
      a.href = r.url;
      a.textContent = r.headline;
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = r.date + " · " + (r.gist || "");
      li.appendChild(a);
      li.appendChild(meta);
      list.appendChild(li);
    });
  }
  box.addEventListener("input", show);
  var q = new URLSearchParams(location.search).get("q");
  if (q) box.value = q;
  show();
}
