/* Fills lon/lat from the phone's GPS on request; the form works without it. */
(function () {
  "use strict";
  var button = document.getElementById("use-gps");
  if (!button || !navigator.geolocation) { return; }
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("lon").value = pos.coords.longitude.toFixed(7);
      document.getElementById("lat").value = pos.coords.latitude.toFixed(7);
      button.disabled = false;
    }, function () { button.disabled = false; }, { enableHighAccuracy: true, timeout: 20000 });
  });
}());
