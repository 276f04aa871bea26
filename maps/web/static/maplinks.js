/* Served with each street map: a parcel's popup gets links to its page and its
 * inspection form, so a parcel can be chosen from the map. Text via textContent. */
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "zh").indexOf("en") !== 0;
  function link(box, href, text) {
    var a = document.createElement("a");
    a.href = href; a.target = "_top"; a.textContent = text; a.style.marginRight = "1em";
    box.appendChild(a);
  }
  function hook(map) {
    map.on("popupopen", function (e) {
      var source = e.popup._source;
      var props = source && source.feature && source.feature.properties;
      var box = e.popup.getElement() && e.popup.getElement().querySelector(".lp-popup");
      if (!props || !props.c || !box || box.querySelector(".lp-links")) { return; }
      var links = document.createElement("div");
      links.className = "lp-links";
      var code = encodeURIComponent(props.c);
      link(links, "/parcels/" + code, zh ? "地块详情" : "Parcel page");
      link(links, "/inspect?code=" + code, zh ? "巡查登记" : "Log inspection");
      box.appendChild(links);
    });
  }
  for (var key in window) {
    try { if (window[key] instanceof L.Map) { hook(window[key]); } } catch (err) { /* not ours */ }
  }
}());
