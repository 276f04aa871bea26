/* The phone's own store (IndexedDB): each user's offline package, the queue of records waiting
   to upload (photos kept as Blobs), and who signed in last, so a reload offline finds them. */
(function () {
  "use strict";
  var NAME = "landpatrol-field";
  var VERSION = 1;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        db.createObjectStore("packages");                      // user name -> package
        db.createObjectStore("queue", { keyPath: "client_id" }); // records waiting to upload
        db.createObjectStore("meta");                           // "user" -> last signed-in user
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  /* One transaction; resolves with the last request's result once it is committed.
     Writes are "strict": committed to disk before we say so (a queued record is the only copy). */
  function run(storeName, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode, { durability: mode === "readwrite" ? "strict" : "default" });
        var request = work(tx.objectStore(storeName));
        tx.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function deleteWhere(storeName, test) {
    return run(storeName, "readwrite", function (store) {
      store.openCursor().onsuccess = function (event) {
        var cursor = event.target.result;
        if (!cursor) { return; }
        if (test(cursor.key, cursor.value)) { cursor.delete(); }
        cursor.continue();
      };
    });
  }

  window.FieldStore = {
    getPackage: function (user) { return run("packages", "readonly", function (s) { return s.get(user); }); },
    putPackage: function (user, pack) { return run("packages", "readwrite", function (s) { return s.put(pack, user); }); },
    /* The offline copy holds only the signed-in user's streets: other users' packages go. */
    keepOnlyPackageOf: function (user) { return deleteWhere("packages", function (key) { return key !== user; }); },
    getRecord: function (id) { return run("queue", "readonly", function (s) { return s.get(id); }); },
    records: function () { return run("queue", "readonly", function (s) { return s.getAll(); }); },
    putRecord: function (record) { return run("queue", "readwrite", function (s) { return s.put(record); }); },
    removeRecord: function (id) { return run("queue", "readwrite", function (s) { return s.delete(id); }); },
    getMeta: function (key) { return run("meta", "readonly", function (s) { return s.get(key); }); },
    setMeta: function (key, value) { return run("meta", "readwrite", function (s) { return s.put(value, key); }); },
    /* Sign-out: the user's package, queued records and the "last user" mark all go. */
    forget: function (user) {
      return Promise.all([
        deleteWhere("packages", function (key) { return key === user; }),
        deleteWhere("queue", function (key, value) { return value.user === user; }),
        run("meta", "readwrite", function (s) { return s.delete("user"); }),
      ]);
    },
  };
}());
