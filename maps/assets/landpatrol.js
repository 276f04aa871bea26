/* landpatrol maps: parcel layers, popups, panels and search, on Leaflet alone.
 *
 * Written in ES5 because bureau intranets still run old browsers. Every text that
 * comes from the data goes into the page through textContent, never innerHTML, so a
 * note or a name cannot inject markup; panel HTML is escaped on the Python side.
 */
(function () {
  "use strict";

  var MU_M2 = 10000 / 15;
  var NARROW_PX = 600;  // a map narrower than this (a phone) starts with its panels folded
  var MAX_LABELS = 600;  // parcel codes written at once; more would only pile up unread
  var cfg = null;
  var groups = [];

  function el(tag, cls, text, parent) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function fmt(value, digits) {
    return Number(value).toLocaleString(cfg.locale, {
      minimumFractionDigits: digits, maximumFractionDigits: digits
    });
  }

  /* Fits the view before any layer is drawn (an animated fit after drawing leaves
   * stale SVG paint in some renderers). Panes keep parcels above the basemap and
   * the street outline above parcels; the outline's pane lets clicks through. */
  function setup(map, config, bounds) {
    cfg = config;
    groups = [];
    markNarrow(map);
    if (bounds) {
      // Leave room for the title and, on a wide screen, the panels on the right.
      var right = map.getSize().x > 900 ? 300 : 20;
      var top = isNarrow(map) ? 20 : 80;  // on a phone the title sits above the map's top
      map.fitBounds(bounds, {
        animate: false, paddingTopLeft: [20, top], paddingBottomRight: [right, 20]
      });
    }
    map.createPane("lpParcels").style.zIndex = 410;
    var streets = map.createPane("lpStreets");
    streets.style.zIndex = 420;
    streets.style.pointerEvents = "none";
    // A top-centre corner for the title; Leaflet has only the four corners.
    map._controlCorners.topcenter = L.DomUtil.create(
      "div", "leaflet-top lp-center", map._controlContainer);
    if (map.attributionControl) { map.attributionControl.setPrefix(false); }
    L.control.scale({ imperial: false }).addTo(map);  // metres only
  }

  function styleFor(kind) {
    var outline = cfg.outlines[kind] || {};
    return function (feature) {
      var s = feature.properties.s || 0;
      return {
        fillColor: cfg.fill[s], color: cfg.stroke[s], fillOpacity: cfg.fillOpacity,
        weight: outline.weight || 1, dashArray: outline.dash || null, opacity: 0.9
      };
    };
  }

  function addRow(table, label, value) {
    if (value === undefined || value === null || value === "") { return null; }
    var tr = el("tr", null, null, table);
    el("th", null, label, tr);
    return el("td", null, value, tr);
  }

  function issuesText(states) {
    var T = cfg.text;
    return states.split(";").map(function (item) {
      var parts = item.split(":");
      return parts[0] + (parts[1] ? " " + (T.states[parts[1]] || parts[1]) : "");
    }).join(T.listSep);
  }

  function popupContent(layer, kindLabel) {
    var p = layer.feature.properties;
    var T = cfg.text;
    var box = el("div", "lp-popup");
    el("div", "lp-popup-title", p.n ? p.c + " " + p.n : p.c, box);
    var table = el("table", null, null, box);
    addRow(table, T.code, p.c);
    addRow(table, T.name, p.n);
    addRow(table, T.kind, kindLabel);
    addRow(table, T.village, p.v);
    addRow(table, T.area, fmt(p.a, 1) + " m² (" + fmt(p.a / MU_M2, 2) + " " + T.mu + ")");
    var s = p.s || 0;
    var status = addRow(table, T.status, " " + cfg.statuses[s]);
    var swatch = el("span", "lp-swatch");
    swatch.style.background = cfg.fill[s];
    status.insertBefore(swatch, status.firstChild);
    addRow(table, T.lastInspection, p.d || T.never);
    addRow(table, T.findings, p.f);
    addRow(table, T.inspections, p.k || 0);
    addRow(table, T.issues, p.i ? issuesText(p.i) : null);
    addRow(table, T.note, p.t);
    addRow(table, T.coordinates, p.p ? fmt(p.p[0], 6) + ", " + fmt(p.p[1], 6) : null);
    return box;
  }

  function tooltipContent(layer, kindLabel) {
    var box = el("div", "lp-tooltip");
    el("b", null, layer.feature.properties.c, box);
    el("span", null, " " + kindLabel, box);
    return box;
  }

  /* One GeoJSON layer per kind: style from each feature's status, one shared popup
   * and tooltip built on demand (not 5,000 of each up front). */
  function parcels(data, kind, kindLabel) {
    var group = L.geoJSON(data, { pane: "lpParcels", style: styleFor(kind) });
    group.bindTooltip(function (layer) { return tooltipContent(layer, kindLabel); },
      { sticky: true, direction: "top" });
    group.bindPopup(function (layer) { return popupContent(layer, kindLabel); },
      { maxWidth: 380, minWidth: 240 });
    groups.push(group);
    return group;
  }

  function boundary(data) {
    var style = L.Util.extend({ interactive: false, pane: "lpStreets" }, cfg.streetStyle);
    return L.geoJSON(data, style);
  }

  /* A name written on the map: plain text, centred on `latlng`, letting clicks through. */
  function mapLabel(latlng, text, cls) {
    return L.marker(latlng, {
      interactive: false, keyboard: false,
      icon: L.divIcon({ className: cls, iconSize: null, html: el("span", null, text) })
    });
  }

  /* District index: streets coloured by violation share, named on the map; a click
   * opens the street map. */
  function districtStreets(data) {
    var group = L.geoJSON(data, {
      style: function (f) { return L.Util.extend({ weight: 1 }, f.properties.st); }
    });
    group.bindTooltip(function (layer) {
      var p = layer.feature.properties;
      var box = el("div", "lp-tooltip");
      el("b", null, p.n, box);
      el("div", null, p.l, box);
      return box;
    }, { sticky: true });
    group.on("click", function (e) {
      var href = e.layer.feature.properties.h;
      if (href) { window.location.href = href; }
    });
    var names = data.features.map(function (f) {
      var at = f.properties.lp;
      return mapLabel([at[1], at[0]], f.properties.n, "lp-map-label lp-street-label");
    });
    return L.featureGroup([group].concat(names));
  }

  function panel(map, html, position, cls) {
    var Panel = L.Control.extend({
      options: { position: position },
      onAdd: function () {
        var div = L.DomUtil.create("div", "lp-panel " + cls);
        div.innerHTML = html;
        var heading = div.querySelector("h3");
        if (heading) { foldable(div, heading, isNarrow(map)); }
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      }
    });
    return new Panel().addTo(map);
  }

  /* A panel whose heading folds and unfolds the rest of it (click, Enter or Space). */
  function foldable(box, heading, folded) {
    L.DomUtil.addClass(heading, "lp-fold");
    heading.setAttribute("role", "button");
    heading.tabIndex = 0;
    function fold(yes) {
      (yes ? L.DomUtil.addClass : L.DomUtil.removeClass)(box, "lp-folded");
      heading.setAttribute("aria-expanded", String(!yes));
    }
    L.DomEvent.on(heading, "click", function () { fold(!L.DomUtil.hasClass(box, "lp-folded")); });
    L.DomEvent.on(heading, "keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") {
        L.DomEvent.preventDefault(e);
        fold(!L.DomUtil.hasClass(box, "lp-folded"));
      }
    });
    fold(folded);
  }

  function isNarrow(map) { return map.getSize().x < NARROW_PX; }

  function markNarrow(map) {
    (isNarrow(map) ? L.DomUtil.addClass : L.DomUtil.removeClass)(map.getContainer(), "lp-narrow");
  }

  /* On a phone the title spans the top and the corners below it start under it, so no
   * control covers another; the layer list folds to its button until tapped. */
  function fitControls(map) {
    markNarrow(map);
    var title = map.getContainer().querySelector(".lp-title");
    var below = isNarrow(map) && title ? title.offsetHeight + "px" : "";
    map._controlCorners.topleft.style.top = below;
    map._controlCorners.topright.style.top = below;
  }

  function foldLayerList(map) {
    var list = map.getContainer().querySelector(".leaflet-control-layers");
    if (!list || !isNarrow(map)) { return; }
    var open = "leaflet-control-layers-expanded";
    L.DomUtil.removeClass(list, open);
    var button = list.querySelector(".leaflet-control-layers-toggle");
    L.DomEvent.on(button, "click", function () { L.DomUtil.addClass(list, open); });
    map.on("click", function () { L.DomUtil.removeClass(list, open); });
  }

  /* Parcel codes written on the parcels in view, from the zoom `cfg.labelZoom` on: made
   * from the GeoJSON already in the page, rebuilt as the view moves. */
  function parcelLabels(map) {
    var codes = L.layerGroup().addTo(map);
    function redraw() {
      codes.clearLayers();
      if (map.getZoom() < cfg.labelZoom) { return; }
      var view = map.getBounds();
      var count = 0;
      groups.forEach(function (group) {
        if (!map.hasLayer(group)) { return; }
        group.eachLayer(function (parcel) {
          if (count >= MAX_LABELS || !view.intersects(parcel.getBounds())) { return; }
          codes.addLayer(mapLabel(parcel.getCenter(), parcel.feature.properties.c,
            "lp-map-label lp-parcel-label"));
          count += 1;
        });
      });
    }
    map.on("moveend overlayadd overlayremove", redraw);
    redraw();
  }

  /* Last, once every layer and control is on the map. */
  function finish(map) {
    fitControls(map);
    map.on("resize", function () { fitControls(map); });
    foldLayerList(map);
    if (groups.length) { parcelLabels(map); }
  }

  function findParcel(map, text) {
    var wanted = text.replace(/^\s+|\s+$/g, "").toLowerCase();
    if (!wanted) { return null; }
    var exact = null;
    var partial = null;
    groups.forEach(function (group) {
      group.eachLayer(function (layer) {
        var code = String(layer.feature.properties.c).toLowerCase();
        if (code === wanted) { exact = exact || [group, layer]; }
        else if (!partial && code.indexOf(wanted) >= 0) { partial = [group, layer]; }
      });
    });
    var hit = exact || partial;
    if (!hit) { return null; }
    if (!map.hasLayer(hit[0])) { map.addLayer(hit[0]); }
    var bounds = hit[1].getBounds();
    map.fitBounds(bounds, { maxZoom: 18 });
    hit[1].fire("click", { latlng: bounds.getCenter() }, true);
    return hit[1];
  }

  function search(map) {
    var Search = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "lp-panel lp-search");
        var input = el("input", null, null, box);
        input.type = "search";
        input.placeholder = cfg.text.search;
        input.setAttribute("aria-label", cfg.text.search);
        var message = el("div", "lp-search-msg", null, box);
        input.addEventListener("keydown", function (e) {
          if (e.key !== "Enter" && e.keyCode !== 13) { return; }
          message.textContent = findParcel(map, input.value) ? "" : cfg.text.notFound;
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    return new Search().addTo(map);
  }

  window.landpatrol = {
    setup: setup, parcels: parcels, boundary: boundary, districtStreets: districtStreets,
    panel: panel, search: search, finish: finish, findParcel: findParcel
  };
}());
