/* The field app's service worker (scope /field/): keeps the app's shell so a reload works offline.
   Only the shell is cached: it holds no user data and no CSRF token. /api answers and every other
   page (the sign-in page carries a CSRF token) always go to the network and are never stored here;
   the app itself keeps the signed-in user's data in IndexedDB and clears it on sign-out. */
"use strict";
var CACHE = "landpatrol-field-shell-v3";
var SHELL = [
  "/field/",
  "/field/manifest.webmanifest",
  "/field/words.js",
  "/static/field/field.css",
  "/static/field/store.js",
  "/static/field/app.js",
  "/static/field/icon-192.png",
  "/static/field/icon-512.png",
  "/static/leaflet/leaflet.js",
  "/static/leaflet/leaflet.css",
  "/static/leaflet/images/marker-icon.png",
  "/static/leaflet/images/marker-shadow.png",
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

/* Network first (a new version shows at once), the cached shell when the network fails. */
function shellFirstFromNetwork(request, path) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(path, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(path).then(function (hit) { return hit || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (SHELL.indexOf(url.pathname) < 0) { return; }  // /api and other pages: the network, uncached
  event.respondWith(shellFirstFromNetwork(event.request, url.pathname));
});
