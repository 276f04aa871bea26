/* A large street's map: parcels drawn from vector tiles by viewport, coloured by
   today's status; below the tiles' zoom only the street's outline. A click on a
   parcel fetches its details from /api/parcels/{code} (its page has the history,
   with Beijing times); text goes in as text, never as markup. */
(function () {
  "use strict";
  var box = document.getElementById("tile-map");
  if (!box || !window.L || !L.vectorGrid) { return; }
  var cfg = JSON.parse(box.getAttribute("data-config"));
  var map = L.map(box, { minZoom: 3, maxZoom: 20 });  // else the tiles' minZoom would bound it
  map.fitBounds(cfg.bounds);
  if (map.getZoom() < cfg.minZoom) { map.setView(map.getCenter(), cfg.minZoom); }
  L.geoJSON(cfg.outline, { style: { color: "#333", weight: 2, fill: false }, interactive: false }).addTo(map);

  var note = L.control({ position: "topright" });
  note.onAdd = function () {
    var div = L.DomUtil.create("div", "leaflet-bar tile-note");
    div.style.background = "#fff";
    div.style.padding = "4px 8px";
    div.textContent = cfg.text.zoom_in;
    return div;
  };
  function showNote() {
    if (map.getZoom() < cfg.minZoom) { note.addTo(map); } else { note.remove(); }
  }
  map.on("zoomend", showNote);
  showNote();

  function style(props) {
    var colour = cfg.colors[props.status] || "#888888";
    return { color: colour, weight: 1, fill: true, fillColor: colour, fillOpacity: 0.45 };
  }
  var grid = L.vectorGrid.protobuf("/tiles/parcels/{z}/{x}/{y}.pbf?street=" + encodeURIComponent(cfg.street), {
    vectorTileLayerStyles: { parcels: style },
    interactive: true,
    minZoom: cfg.minZoom,
    maxNativeZoom: 18,
    maxZoom: 20,
    fetchOptions: { credentials: "same-origin" },
    getFeatureId: function (feature) { return feature.properties.code; }
  }).addTo(map);

  function line(parent, text) {
    L.DomUtil.create("div", "", parent).textContent = text;
  }
  grid.on("click", function (event) {
    var code = event.layer.properties.code;
    fetch("/api/parcels/" + encodeURIComponent(code), { credentials: "same-origin" })
      .then(function (reply) { return reply.ok ? reply.json() : Promise.reject(reply.status); })
      .then(function (parcel) {
        var body = L.DomUtil.create("div", "parcel-popup");
        var title = L.DomUtil.create("a", "", body);
        title.href = "/parcels/" + encodeURIComponent(parcel.code);
        title.textContent = parcel.code + (parcel.name ? " " + parcel.name : "");
        line(body, cfg.kinds[parcel.kind] || parcel.kind);
        line(body, cfg.statuses[parcel.status] || parcel.status);
        L.popup().setLatLng(event.latlng).setContent(body).openOn(map);
      })
      .catch(function (problem) { console.error("parcel " + code + ": " + problem); });
  });
}());
