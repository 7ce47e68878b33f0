// The broadcast composer's live feedback: characters, encoding and SMS parts per language as
// the officer types (the same GSM 03.38 rules as sms/encoding.py, which has the last word on
// Preview), and the recipient count and cost as the audience changes (asked of the server).
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
              "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "^{}\\[~]|€\f";
  // Typographic marks the server changes to their plain twins before sending.
  var TWINS = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": "\"", "\u201d": "\"",
               "\u201e": "\"", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2026": "...", "\u00a0": " ",
               "\u2009": " ", "\u202f": " ", "\u00ab": "\"", "\u00bb": "\""};

  function septets(ch) {
    if (BASIC.indexOf(ch) >= 0) return 1;
    if (EXTENDED.indexOf(ch) >= 0) return 2;
    return 0;
  }

  function parts(sizes, single, part) {
    var total = 0, i;
    for (i = 0; i < sizes.length; i++) total += sizes[i];
    if (total <= single) return {length: total, segments: total ? 1 : 0};
    var count = 1, used = 0;
    for (i = 0; i < sizes.length; i++) {  // a character is never split across two parts
      if (used + sizes[i] > part) { count += 1; used = 0; }
      used += sizes[i];
    }
    return {length: total, segments: count};
  }

  function analyse(raw) {
    var text = (raw || "").normalize ? raw.normalize("NFC") : raw;
    text = text.split(/\s+/).filter(Boolean).join(" ");  // as the server collapses spaces
    var chars = Array.from(text).map(function (c) { return TWINS[c] || c; }).join("");
    var list = Array.from(chars), sizes = [], bad = [], i;
    for (i = 0; i < list.length; i++) {
      var s = septets(list[i]);
      if (!s && bad.indexOf(list[i]) < 0) bad.push(list[i]);
      sizes.push(s);
    }
    if (!bad.length) {
      var g = parts(sizes, 160, 153);
      return {encoding: "GSM-7", length: g.length, segments: g.segments, bad: []};
    }
    var units = list.map(function (c) { return c.codePointAt(0) > 0xFFFF ? 2 : 1; });
    var u = parts(units, 70, 67);
    return {encoding: "UCS-2", length: u.length, segments: u.segments, bad: bad};
  }

  function ready() {
    var labelData = document.getElementById("composer-labels");
    if (!labelData) return;
    var labels = JSON.parse(labelData.textContent);
    var boxes = document.querySelectorAll("textarea[data-counter]");
    Array.prototype.forEach.call(boxes, function (box) {
      var out = document.getElementById("counter-" + box.getAttribute("data-counter"));
      function update() {
        var r = analyse(box.value);
        if (!r.length) { out.textContent = labels.empty; out.className = "counter"; return; }
        var line = labels.chars.replace("{n}", r.length) + " · " + r.encoding + " · " +
                   labels.sms.replace("{n}", r.segments);
        if (r.bad.length) line += " — " + labels.ucs2.replace("{chars}", r.bad.slice(0, 10).join(" "));
        out.textContent = line;
        out.className = "counter" + (r.segments > 1 || r.bad.length ? " warn" : "");
      }
      box.addEventListener("input", update);
      update();
    });

    var form = document.getElementById("composer");  // the broadcast composer only
    if (!form) return;
    var estimate = document.getElementById("estimate");
    var url = form.getAttribute("data-estimate");
    var timer = null, serial = 0;
    function ask() {
      var mine = ++serial;
      fetch(url, {method: "POST", body: new FormData(form), credentials: "same-origin",
                  headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (mine !== serial) return;  // an older answer arriving late
          estimate.textContent = data.error ? data.error : (data.text + (data.cost ? " · " + data.cost : ""));
          estimate.setAttribute("data-recipients", data.recipients === undefined ? "" : data.recipients);
        })
        .catch(function () { /* the Preview button still works */ });
    }
    function later() { clearTimeout(timer); timer = setTimeout(ask, 350); }
    form.addEventListener("change", later);
    form.addEventListener("input", function (e) { if (e.target.tagName !== "TEXTAREA") later(); });
    Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("input", later); });
    ask();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
