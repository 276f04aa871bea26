/* The field app: today's patrol, the map and the inspection form, working with or without signal.
   Records are queued on the phone (FieldStore, IndexedDB) with a client id made here and sent to
   /api/field/inspections; the phone forgets a record only when the server says it is stored.
   All text is set with textContent: nothing typed or received ever becomes markup. */
(function () {
  "use strict";
  var S = window.FieldStore;
  var WORDS = window.FIELD_WORDS;  /* /field/words.js: the catalogue's words, both languages */
  var state = {
    lang: /(?:^|;\s*)lp_lang=en/.test(document.cookie) ? "en" : "zh",
    user: null, csrf: null, expired: false, pack: null, records: [], editing: null, photos: [],
    syncing: null, map: null, parcelLayer: null, streetLayer: null, here: null, hereMarker: null,
  };
  var $ = function (id) { return document.getElementById(id); };
  var form = $("record");

  function t(key, values) {
    var text = WORDS[state.lang][key];
    Object.keys(values || {}).forEach(function (k) { text = text.replace("{" + k + "}", values[k]); });
    return text;
  }
  function pick(item, field) { return item[field + "_" + state.lang] || item[field + "_zh"] || ""; }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  /* Beijing time, as every page of the system shows it ("2022-10-25 09:30"). */
  var BEIJING = new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  function beijing(iso) { return iso ? BEIJING.format(new Date(iso)) : ""; }
  function notice(text, isError) {
    var box = $("notice");
    box.hidden = !text;
    box.className = "notice" + (isError ? " error" : "");
    box.textContent = text || "";
  }

  /* --- the language ------------------------------------------------------------------------- */
  function applyWords() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-t]").forEach(function (node) { node.textContent = t(node.dataset.t); });
    $("lang").textContent = t("lang");
  }
  $("lang").addEventListener("click", function () {
    state.lang = state.lang === "zh" ? "en" : "zh";
    document.cookie = "lp_lang=" + state.lang + "; path=/; max-age=31536000; samesite=lax";
    applyWords();
    renderAll();
  });

  /* --- the server ---------------------------------------------------------------------------- */
  /* The signed-in user and CSRF token; null when signed out; throws when the network is down. */
  async function fetchSession() {
    var response = await fetch("/api/field/session", { credentials: "same-origin", cache: "no-store" });
    if (response.status === 401) { return null; }
    if (!response.ok) { throw new Error("session " + response.status); }
    return response.json();
  }
  /* The fetch under way is kept, so that signing out waits for it and it cannot store the
     package again after the offline copy was cleared. */
  function fetchPackage() {
    state.packaging = loadPackage();
    return state.packaging;
  }
  async function loadPackage() {
    var response = await fetch("/api/field/package", { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) { throw new Error("package " + response.status); }
    var pack = await response.json();
    if (pack.user !== state.user) { throw new Error("package of another user"); }
    await S.putPackage(state.user, pack);
    state.pack = pack;
    renderAll();
  }

  /* --- the queue ----------------------------------------------------------------------------- */
  function mine(record) { return record.user === state.user; }
  async function loadRecords() {
    state.records = (await S.records()).sort(function (a, b) { return a.saved_at < b.saved_at ? -1 : 1; });
    renderQueue();
  }
  function formData(record) {
    var data = new FormData();
    data.append("parcel_code", record.parcel_code);
    data.append("client_id", record.client_id);
    data.append("inspected_at", record.inspected_at);
    if (record.street_code) { data.append("street_code", record.street_code); }
    Object.keys(record.values).forEach(function (name) { data.append(name, record.values[name]); });
    record.photos.forEach(function (photo) { data.append("photos", photo.blob, photo.name); });
    return data;
  }
  /* A session for the user who recorded the queue (the page may have started offline). */
  async function ensureSession() {
    if (state.csrf) { return true; }
    var me;
    try { me = await fetchSession(); } catch (err) { notice(t("no_network")); return false; }
    if (!me || me.user !== state.user) {  // records go out only with the user who made them
      state.expired = true;
      showExpired([]);
      return false;
    }
    state.csrf = me.csrf; state.expired = false;
    return true;
  }
  /* Send this user's records one by one; stop at the first network or server failure. */
  function sync() {
    if (!state.syncing) { state.syncing = sendQueue(); }
    return state.syncing;
  }
  async function sendQueue() {
    if (!(await ensureSession())) { state.syncing = null; return; }
    var sent = 0; var refused = 0; var conflicts = [];  // and photo flags: shown, not refused
    try {
      await loadRecords();
      var waiting = state.records.filter(mine);
      if (waiting.length) { notice(t("sending")); }
      for (var i = 0; i < waiting.length; i += 1) {
        var record = waiting[i];
        var response;
        try {
          response = await fetch("/api/field/inspections?lang=" + state.lang, {
            method: "POST", body: formData(record), credentials: "same-origin",
            headers: { "X-CSRF-Token": state.csrf } });
        } catch (err) { notice(t("no_network")); break; }
        if (response.ok) {
          var stored = await response.json();
          await S.removeRecord(record.client_id);
          sent += 1;
          (stored.conflicts || []).forEach(function (c) {
            conflicts.push(t("conflict", { code: record.parcel_code, reason: pick(c, "reason_label") }));
          });
          (stored.photo_flags || []).forEach(function (flag) {
            conflicts.push(record.parcel_code + "：" + pick(flag, "label"));
          });
          continue;
        }
        if (response.status === 401) { state.expired = true; state.csrf = null; break; }
        if (response.status >= 500 || response.status === 429) { notice(t("no_network")); break; }
        var body = await response.json().catch(function () { return { detail: response.statusText }; });
        var current = await S.getRecord(record.client_id);
        if (current && current.edited_at === record.edited_at) {  // not edited nor signed out meanwhile
          current.error = { field: body.field || "", message: body.detail || String(response.status) };
          await S.putRecord(current);
        }
        refused += 1;
      }
    } finally {
      state.syncing = null;
      await loadRecords();
    }
    var parts = [];
    if (sent) { parts.push(t("sent", { n: sent })); }
    if (refused) { parts.push(t("refused", { n: refused })); }
    parts.push.apply(parts, conflicts);
    if (state.expired) { showExpired(parts); } else if (parts.length) { notice(parts.join("；"), refused > 0); }
    if (sent) { await fetchPackage().catch(function () { /* the stored copy stays */ }); }
  }
  $("sync").addEventListener("click", sync);
  window.addEventListener("online", function () { renderNetwork(); sync(); });
  window.addEventListener("offline", renderNetwork);

  /* --- rendering ----------------------------------------------------------------------------- */
  function renderNetwork() { $("network").textContent = navigator.onLine ? t("online") : t("offline"); }
  function renderHeader() {
    $("who").textContent = state.user || "";
    $("freshness").textContent = state.pack ? t("fresh", { t: state.pack.generated_at_text }) : t("no_data");
    renderNetwork();
  }
  function statusColor(status) {
    var known = state.pack && state.pack.statuses[status];
    return known ? known.color : "#BBBBBB";
  }
  function entryLine(entry) {
    var parts = [entry.last_inspected_at ? t("last_visit", { t: beijing(entry.last_inspected_at) }) : t("never"),
      t("interval", { n: entry.interval_days })];
    if (entry.due_in_days !== null && entry.due_in_days !== undefined) {
      parts.push(entry.due_in_days < 0 ? t("overdue_by", { n: -entry.due_in_days }) : t("due_in", { n: entry.due_in_days }));
    }
    if (entry.distance_m !== null && entry.distance_m !== undefined) {
      parts.push(t("distance", { n: Math.round(entry.distance_m) }));
    }
    return parts.join(" · ");
  }
  function renderPatrol() {
    var list = $("patrol");
    list.textContent = "";
    var group = null;
    ((state.pack && state.pack.patrol) || []).forEach(function (entry) {
      if (entry.group !== group) {
        group = entry.group;
        list.appendChild(el("li", "group", WORDS[state.lang].groups[group] || ""));
      }
      var item = el("li", "entry");
      item.dataset.parcelCode = entry.code;
      item.dataset.status = entry.status;
      var head = el("div", "head");
      var swatch = el("span", "swatch");
      swatch.style.background = statusColor(entry.status);
      head.appendChild(swatch);
      head.appendChild(el("strong", null, entry.code));
      head.appendChild(el("span", "name", entry.name || ""));
      item.appendChild(head);
      item.appendChild(el("div", "meta", pick(entry, "status_label") + " · " + pick(entry, "kind_label")));
      item.appendChild(el("div", "meta", entryLine(entry)));
      if (entry.open_issues && entry.open_issues.length) {
        item.appendChild(el("div", "meta issues", t("issues") + "：" +
          entry.open_issues.map(function (i) { return i.ref + " " + (i.state || ""); }).join("，")));
      }
      var button = el("button", "log", t("log"));
      button.type = "button";
      button.addEventListener("click", function () { openForm(entry.code, null); });
      item.appendChild(button);
      list.appendChild(item);
    });
  }
  function renderQueue() {
    var own = state.records.filter(mine);
    $("queue-count").textContent = t("queue_count", { n: own.length });
    var list = $("queue");
    list.textContent = "";
    if (!own.length) { list.appendChild(el("li", "empty", t("empty_queue"))); }
    own.forEach(function (record) {
      var item = el("li", "record" + (record.error ? " refused" : ""));
      item.dataset.clientId = record.client_id;
      item.appendChild(el("strong", null, record.parcel_code + " " + (record.parcel_name || "")));
      item.appendChild(el("div", "meta", beijing(record.inspected_at) + " · " +
        t("photo_count", { n: record.photos.length })));
      if (record.error) { item.appendChild(el("div", "field-error", record.error.message)); }
      var button = el("button", "edit", t("edit"));
      button.type = "button";
      button.addEventListener("click", function () { openForm(record.parcel_code, record); });
      item.appendChild(button);
      list.appendChild(item);
    });
    var others = state.records.length - own.length;
    if (others) { list.appendChild(el("li", "others", t("other_users", { n: others }))); }
  }
  function renderMap() {
    if (!state.map || !state.pack) { return; }
    if (state.parcelLayer) { state.parcelLayer.remove(); }
    if (state.streetLayer) { state.streetLayer.remove(); }
    state.streetLayer = L.geoJSON(state.pack.streets.filter(function (s) { return s.outline; })
      .map(function (s) { return { type: "Feature", geometry: s.outline, properties: { code: s.code } }; }),
    { style: { color: "#1f4e3d", weight: 2, fill: false, dashArray: "6 4" }, interactive: false }).addTo(state.map);
    state.parcelLayer = L.geoJSON(state.pack.parcels, {
      style: function (feature) {
        return { color: "#333", weight: 1, fillColor: statusColor(feature.properties.status), fillOpacity: 0.6 };
      },
      onEachFeature: function (feature, layer) {
        layer.on("click", function () { openForm(feature.properties.code, null); });
      },
    }).addTo(state.map);
    var bounds = state.parcelLayer.getBounds();
    if (bounds.isValid()) { state.map.fitBounds(bounds, { padding: [12, 12] }); }
  }
  function renderAll() { renderHeader(); renderPatrol(); renderQueue(); renderMap(); }

  /* --- views --------------------------------------------------------------------------------- */
  function show(view) {
    ["list", "map", "queue", "form"].forEach(function (name) { $("view-" + name).hidden = name !== view; });
    document.querySelectorAll(".tabs button").forEach(function (b) {
      b.classList.toggle("on", b.dataset.view === view);
    });
    if (view === "map") { showMap(); }
    window.scrollTo(0, 0);
  }
  document.querySelectorAll(".tabs button").forEach(function (button) {
    button.addEventListener("click", function () { show(button.dataset.view); });
  });
  function showMap() {
    if (!state.map) {
      state.map = L.map("map", { zoomControl: true });
      window.fieldMap = state.map;
      L.control.scale({ metric: true, imperial: false }).addTo(state.map);
      renderMap();
    }
    state.map.invalidateSize();
    if (state.parcelLayer && state.parcelLayer.getBounds().isValid()) {
      state.map.fitBounds(state.parcelLayer.getBounds(), { padding: [12, 12] });
    }
  }
  function locate(done) {
    if (!navigator.geolocation) { notice(t("no_gps"), true); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      state.here = [pos.coords.latitude, pos.coords.longitude];
      done(pos.coords);
    }, function () { notice(t("no_gps"), true); }, { enableHighAccuracy: true, timeout: 20000 });
  }
  /* The server's patrol order from here (the rule is the server's; offline the order stays). */
  $("near").addEventListener("click", function () {
    locate(async function (coords) {
      var response;
      try {
        response = await fetch("/api/patrol?lon=" + coords.longitude + "&lat=" + coords.latitude,
          { credentials: "same-origin", cache: "no-store" });
      } catch (err) { notice(t("no_distance_offline")); return; }
      if (!response.ok) { notice(t("no_distance_offline")); return; }
      state.pack.patrol = await response.json();
      renderPatrol();
    });
  });
  $("locate").addEventListener("click", function () {
    locate(function () {
      if (state.hereMarker) { state.hereMarker.remove(); }
      state.hereMarker = L.circleMarker(state.here, { radius: 8, color: "#0072B2", fillOpacity: 0.9 })
        .addTo(state.map);
      state.map.setView(state.here, Math.max(state.map.getZoom(), 16));
    });
  });

  /* --- the form ------------------------------------------------------------------------------ */
  function labelOf(name) {
    var field = ((state.pack && state.pack.form) || []).filter(function (f) { return f.name === name; })[0];
    if (field) { return pick(field, "label"); }
    return WORDS[state.lang][name] || name;
  }
  function buildFindings() {
    var box = $("findings");
    box.textContent = "";
    ((state.pack && state.pack.form) || []).forEach(function (field) {
      var label = el("label", field.kind === "flag" ? "check" : null);
      var input = el("input");
      input.name = field.name;
      if (field.kind === "flag") {
        input.type = "checkbox";
        label.appendChild(input);
        label.appendChild(el("span", null, pick(field, "label")));
      } else {
        input.type = "number";
        input.inputMode = field.kind === "count" ? "numeric" : "decimal";
        input.step = field.kind === "count" ? "1" : "any";
        if (field.min !== null) { input.min = field.min; }
        if (field.max !== null) { input.max = field.max; }
        label.appendChild(el("span", null, pick(field, "label")));
        label.appendChild(input);
      }
      var wrap = el("div", "finding");
      wrap.appendChild(label);
      var error = el("span", "field-error");
      error.dataset.errorFor = field.name;
      wrap.appendChild(error);
      box.appendChild(wrap);
    });
  }
  function localInputValue(date) {
    var shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return shifted.toISOString().slice(0, 16);
  }
  function showErrors(errors) {
    form.querySelectorAll(".field-error").forEach(function (node) {
      node.textContent = errors[node.dataset.errorFor] || "";
    });
  }
  function renderPhotos() {
    var list = $("photo-list");
    list.textContent = "";
    state.photos.forEach(function (photo, index) {
      var item = el("figure", "thumb");
      var img = el("img");
      img.alt = photo.name;
      img.src = URL.createObjectURL(photo.blob);
      img.onload = function () { URL.revokeObjectURL(img.src); };
      item.appendChild(img);
      var remove = el("button", "plain", t("remove"));
      remove.type = "button";
      remove.addEventListener("click", function () { state.photos.splice(index, 1); renderPhotos(); });
      item.appendChild(remove);
      list.appendChild(item);
    });
  }
  function entryOf(code) {
    return ((state.pack && state.pack.patrol) || []).filter(function (e) { return e.code === code; })[0] || {};
  }
  function parcelName(code) { return entryOf(code).name || ""; }
  /* The form for a parcel: empty, or a queued record to edit (with the server's message beside its field). */
  function openForm(code, record) {
    buildFindings();
    form.reset();
    state.editing = record;
    state.photos = record ? record.photos.slice() : [];
    form.elements.parcel_code.value = code;
    $("form-title").textContent = code + " " + parcelName(code);
    form.elements.inspected_at.value = localInputValue(record ? new Date(record.inspected_at) : new Date());
    var values = record ? record.values : {};
    ((state.pack && state.pack.form) || []).forEach(function (field) {
      var input = form.elements[field.name];
      if (field.kind === "flag") { input.checked = values[field.name] === "true"; }
      else { input.value = values[field.name] || ""; }
    });
    ["lon", "lat", "note"].forEach(function (name) { form.elements[name].value = values[name] || ""; });
    $("gps-text").textContent = values.lon ? values.lon + ", " + values.lat : "";
    var errors = {};
    if (record && record.error) {
      var where = record.error.field === "lat" ? "lon" : record.error.field;
      errors[form.querySelector('[data-error-for="' + CSS.escape(where) + '"]') ? where : ""] = record.error.message;
    }
    showErrors(errors);
    renderPhotos();
    show("form");
  }
  /* The typed values, checked against the form definition; errors name the field by its label. */
  function readForm() {
    var values = {}; var errors = {};
    ((state.pack && state.pack.form) || []).forEach(function (field) {
      var input = form.elements[field.name];
      if (field.kind === "flag") { values[field.name] = input.checked ? "true" : "false"; return; }
      var text = input.value.trim();
      if (input.validity.badInput) { errors[field.name] = pick(field, "label") + ": " + t("not_number"); return; }
      if (text === "") { return; }
      var number = Number(text);
      var problem = !isFinite(number) ? t("not_number")
        : field.kind === "count" && number % 1 !== 0 ? t("not_whole")
        : field.min !== null && number < field.min ? t("too_small", { n: field.min })
        : field.max !== null && number > field.max ? t("too_large", { n: field.max }) : null;
      if (problem) { errors[field.name] = pick(field, "label") + ": " + problem; }
      values[field.name] = text;
    });
    ["lon", "lat", "note"].forEach(function (name) {
      var text = form.elements[name].value.trim();
      if (text) { values[name] = text; }
    });
    var when = form.elements.inspected_at.value;
    if (!when || isNaN(new Date(when).getTime())) { errors.inspected_at = t("inspected_at") + ": " + t("required"); }
    if (!form.elements.parcel_code.value) { errors.parcel_code = t("parcel_code") + ": " + t("choose_parcel"); }
    return { values: values, errors: errors, when: when };
  }
  form.elements.photos.addEventListener("change", function () {
    var limit = (state.pack && state.pack.max_photos) || 10;
    var maxBytes = (state.pack && state.pack.max_photo_bytes) || 20 * 1024 * 1024;
    var problems = [];
    Array.prototype.forEach.call(form.elements.photos.files, function (file) {
      if (state.photos.length >= limit) { problems.push(t("too_many_photos", { n: limit })); return; }
      if (file.size > maxBytes) { problems.push(t("photo_too_big", { name: file.name })); return; }
      state.photos.push({ name: file.name || "photo.jpg", type: file.type, blob: file });
    });
    form.elements.photos.value = "";
    renderPhotos();
    showErrors(problems.length ? { photos: t("photos") + ": " + problems.join("；") } : {});
  });
  $("use-gps").addEventListener("click", function () {
    locate(function (coords) {
      form.elements.lon.value = coords.longitude.toFixed(7);
      form.elements.lat.value = coords.latitude.toFixed(7);
      $("gps-text").textContent = form.elements.lon.value + ", " + form.elements.lat.value;
    });
  });
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var read = readForm();
    if (Object.keys(read.errors).length) { showErrors(read.errors); notice(t("fix_errors"), true); return; }
    var code = form.elements.parcel_code.value;
    var record = {
      client_id: state.editing ? state.editing.client_id : crypto.randomUUID(),
      user: state.user, parcel_code: code, parcel_name: parcelName(code),
      street_code: state.editing ? state.editing.street_code : entryOf(code).street_code,
      inspected_at: new Date(read.when).toISOString(), values: read.values,
      photos: state.photos.slice(), error: null,
      saved_at: state.editing ? state.editing.saved_at : new Date().toISOString(),
      edited_at: new Date().toISOString(),
    };
    await S.putRecord(record);
    state.editing = null; state.photos = [];
    await loadRecords();
    notice(t("saved"));
    show("list");
    if (navigator.onLine) { sync(); }
  });
  $("cancel").addEventListener("click", function () { state.editing = null; state.photos = []; show("list"); });

  /* --- signing out --------------------------------------------------------------------------- */
  $("sign-out").addEventListener("click", async function () {
    var waiting = state.records.filter(mine).length;
    if (waiting && !window.confirm(t("confirm_sign_out", { n: waiting }))) { return; }
    await state.syncing;  // an upload under way finishes first, so it cannot put a record back
    await Promise.resolve(state.packaging).catch(function () { return null; });  // likewise a package
    if (state.user) { await S.forget(state.user); }
    if (state.csrf) {
      await fetch("/logout", { method: "POST", credentials: "same-origin", redirect: "manual",
        headers: { "X-CSRF-Token": state.csrf } }).catch(function () { /* offline: the cookie expires */ });
    }
    location.assign("/login?next=/field/");
  });

  /* --- start --------------------------------------------------------------------------------- */
  function registerWorker() {
    if (!("serviceWorker" in navigator)) { return Promise.resolve(); }
    return navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .catch(function () { /* the app still works online */ });
  }
  async function start() {
    applyWords();
    var worker = registerWorker();
    if (navigator.storage && navigator.storage.persist) {  // queued records must not be evicted
      navigator.storage.persist().catch(function () { /* best effort */ });
    }
    var me;
    try { me = await fetchSession(); } catch (err) { me = undefined; }  // undefined: no network
    if (me) {
      state.user = me.user; state.csrf = me.csrf;
      await S.setMeta("user", me.user);
      await S.keepOnlyPackageOf(me.user);
    } else {
      state.user = await S.getMeta("user");
      state.expired = me === null;
    }
    if (!state.user) { location.assign("/login?next=/field/"); return; }
    state.pack = (await S.getPackage(state.user)) || null;
    await loadRecords();
    renderAll();
    show("list");
    if (me) { await fetchPackage().catch(function () { notice(t("no_network")); }); }
    if (state.expired) { showExpired([]); }
    await worker;
    document.body.dataset.ready = state.pack ? "1" : "0";
    if (me) { sync(); }
  }
  /* The session is gone: say so (after what else there is to say), with a link to sign in again. */
  function showExpired(before) {
    notice(before.concat([t("expired")]).join("；"), true);
    var link = el("a", null, t("sign_in"));
    link.href = "/login?next=/field/";
    $("notice").appendChild(document.createTextNode(" "));
    $("notice").appendChild(link);
  }
  start();
}());
