/* The worker's phone: operation tiles, +/- buttons, the offline queue of scans, the camera scanner.
   No framework; the page works without this file (plain forms), this only makes it quicker and
   keeps scans the network did not take. */
(function () {
  "use strict";
  var KEY = "factory.scan-queue.v1";
  var RETRY_MS = 15000;

  // crypto.randomUUID exists only in secure contexts; a phone on http://192.168.x.x has
  // getRandomValues only, so build a version-4 UUID from it.
  function newId() {
    if (window.crypto && crypto.randomUUID) {
      try { return crypto.randomUUID(); } catch (e) { /* fall through */ }
    }
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(KEY, JSON.stringify(queue)); }
  function drop(id) { save(load().filter(function (item) { return item.id !== id; })); }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  // Who is signed in on this page, and the server's clock when it was served: a scan kept on the
  // phone records its worker (it is sent as that worker or not at all) and its tap time on the
  // server's clock (the phone's own clock may be wrong; the time since the page loaded is not).
  var box0 = document.getElementById("queue");
  var ME = box0 ? box0.getAttribute("data-worker") || "" : "";
  var SERVED = box0 ? Number(box0.getAttribute("data-now")) || 0 : 0;
  var SEAL = box0 ? box0.getAttribute("data-seal") || "" : "";
  // The offline ticket page is a copy the service worker kept: its served time is not now.
  if (document.body.classList.contains("offline-ticket")) SERVED = 0;
  // The server's clock: this page's served time (with the server's seal) when it is the newest this
  // phone has seen, i.e. the page came from the server just now; a copy the service worker kept is
  // older, and then the newest one seen counts (the server bounds a tap by it).
  var CLOCK_KEY = "factory.server-clock.v1";
  var clock = (function () {
    var kept = null;
    try { kept = JSON.parse(localStorage.getItem(CLOCK_KEY) || "null"); } catch (e) { kept = null; }
    if (SERVED && ME && (!kept || kept.worker !== ME || SERVED > kept.served)) {
      kept = {worker: ME, served: SERVED, seal: SEAL, offset: SERVED - Date.now()};
      try { localStorage.setItem(CLOCK_KEY, JSON.stringify(kept)); } catch (e) { /* private mode */ }
    }
    return kept && kept.worker === ME ? kept : null;
  })();
  function serverTime() { return clock ? Date.now() + clock.offset : Date.now(); }
  function ownerOf(item) { return item.worker || ME; }
  function mine(item) { return ME && ownerOf(item) === ME; }

  function showQueue(note) {
    var box = document.getElementById("queue");
    if (!box) return;
    var queue = load();
    var n = queue.filter(mine).length;
    var others = {};
    queue.forEach(function (item) { if (!mine(item)) others[ownerOf(item)] = (others[ownerOf(item)] || 0) + 1; });
    var lines = n ? [box.getAttribute("data-waiting").replace("{n}", n)] : [];
    Object.keys(others).forEach(function (code) {
      lines.push(box.getAttribute("data-other").replace("{n}", others[code]).split("{worker}").join(code));
    });
    box.querySelector(".queue-count").textContent = lines.join(" ");
    if (note !== undefined) box.querySelector(".queue-note").textContent = note;
    box.querySelector(".queue-send").hidden = !n;
    box.hidden = !lines.length && !box.querySelector(".queue-note").textContent;
    if (note && !box.hidden) inView(box);
  }

  function say(text) {
    var box = document.getElementById("queue");
    if (box) { box.querySelector(".queue-note").textContent = text; box.hidden = false; inView(box); }
  }

  // Every answer shows where the worker is looking: scrolled to, when it is off the screen.
  function inView(element) {
    if (element && element.scrollIntoView) element.scrollIntoView({block: "nearest"});
  }

  // The count never goes past what is open at the picked operation: "+" stops there.
  function limitSteppers() {
    var form = document.getElementById("log-form");
    if (!form) return;
    var picked = form.querySelector("a.op.picked");
    var open = picked ? Number(picked.getAttribute("data-open")) : Infinity;
    var logged = (parseInt(form.querySelector("[name=good]").value, 10) || 0) +
                 (parseInt(form.querySelector("[name=defects]").value, 10) || 0);
    Array.prototype.forEach.call(form.querySelectorAll('button[data-step="1"]'), function (b) {
      b.disabled = logged >= open;
    });
  }

  // The pieces this phone still has waiting for one ticket and operation.
  function waiting(url, op) {
    return load().filter(function (item) { return item.url === url && item.operation === op && mine(item); });
  }

  // The tiles show what is open counting the scans waiting on this phone, so the number the
  // worker sees (and the one a tile fills in) never invites logging the same pieces twice.
  function refreshTiles() {
    var form = document.getElementById("log-form");
    if (!form) return;
    var url = form.getAttribute("action");
    Array.prototype.forEach.call(form.querySelectorAll("a.op[data-op]"), function (tile) {
      if (!tile.hasAttribute("data-server-open")) tile.setAttribute("data-server-open", tile.getAttribute("data-open"));
      var queued = waiting(url, tile.getAttribute("data-op")).reduce(function (sum, item) {
        return sum + Number(item.good) + Number(item.defects); }, 0);
      var open = Math.max(0, Number(tile.getAttribute("data-server-open")) - queued);
      var shown = String(open) !== tile.getAttribute("data-open");
      tile.setAttribute("data-open", open);
      var label = tile.querySelector("small[data-label]");
      if (label) label.textContent = label.getAttribute("data-label").replace("{n}", open);
      if (shown && tile.classList.contains("picked")) form.querySelector("[name=good]").value = open;
    });
    limitSteppers();
  }

  function setConfirm(form, on) {
    var input = form.querySelector("[name=confirm]");
    if (on && !input) {
      input = document.createElement("input");
      input.type = "hidden"; input.name = "confirm"; input.value = "1";
      form.appendChild(input);
    }
    if (!on && input) input.remove();
    var button = form.querySelector("button[type=submit]");
    if (!button.hasAttribute("data-label")) button.setAttribute("data-label", button.textContent);
    button.textContent = on ? form.getAttribute("data-again") : button.getAttribute("data-label");
  }

  // A scan the network did not take stays on the phone under its id; resending it is safe
  // because the server records each id once. The same rules as the server's apply first to what
  // waits on this phone: no more than is open, and a quick repeat needs a second tap.
  function keep(form) {
    var data = new FormData(form);
    var box = document.getElementById("queue");
    var url = form.getAttribute("action"), op = data.get("operation");
    var good = parseInt(data.get("good"), 10) || 0, defects = parseInt(data.get("defects"), 10) || 0;
    var tile = form.querySelector('a.op[data-op="' + op + '"]');
    var open = tile ? Number(tile.getAttribute("data-open")) : Infinity;
    if (!box || !ME) return;
    // Over plain HTTP no service worker can keep pages: say that only an open ticket logs offline.
    var hint = box.querySelector(".queue-offline");
    if (hint) hint.hidden = !!(navigator.serviceWorker && navigator.serviceWorker.controller);
    if (good + defects > open || open === 0) {
      setConfirm(form, false);
      say(box.getAttribute("data-over").replace("{open}", open));
      return;
    }
    var before = waiting(url, op).filter(function (item) { return Number(item.good) > 0; });
    if (before.length && good > 0 && data.get("confirm") !== "1") {
      var last = Math.max.apply(null, before.map(function (item) { return item.tapped; }));
      var minutes = tile ? Number(tile.getAttribute("data-minutes")) || 0 : 0;
      var needed = Math.max(30, good * minutes * 60 * 0.5) * 1000;
      var ago = serverTime() - last;
      if (ago < needed) {
        setConfirm(form, true);
        say(box.getAttribute("data-repeat").replace("{seconds}", Math.max(0, Math.round(ago / 1000))));
        return;
      }
    }
    var queue = load();
    queue.push({url: url, id: data.get("id"), operation: op, good: good, defects: defects, worker: ME,
                tapped: serverTime(), synced: clock ? clock.served : 0, seal: clock ? clock.seal : "", confirm: data.get("confirm") === "1", at: Date.now()});
    save(queue);
    form.querySelector("[name=id]").value = newId();
    setConfirm(form, false);
    refreshTiles();
    showQueue(box.getAttribute("data-kept"));
  }

  function reasonOf(body) {
    if (body.error) return body.error;
    var errors = body.errors || {};
    return Object.keys(errors).map(function (k) { return errors[k]; }).join(" ");
  }

  var sending = false;
  function flush() {
    if (sending || !load().filter(mine).length || navigator.onLine === false) return showQueue();
    sending = true;
    var sent = 0, rejected = [], held = "";
    function finish() {
      sending = false;
      var box = document.getElementById("queue");
      var notes = [];
      if (box && sent) notes.push(box.getAttribute("data-sent").replace("{n}", sent));
      if (box) rejected.forEach(function (r) { notes.push(box.getAttribute("data-rejected").replace("{reason}", r)); });
      if (held) notes.push(held);
      showQueue(notes.length ? notes.join(" ") : undefined);
      refreshTiles();
      if ((sent || rejected.length) && document.getElementById("live") && window.htmx) {
        htmx.ajax("GET", location.pathname, {target: "#live", swap: "outerHTML"});
      }
    }
    function next() {
      var item = load().filter(mine)[0];
      if (!item) return finish();
      fetch(item.url, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken()},
        body: JSON.stringify({id: item.id, operation: item.operation, good: Number(item.good),
                              defects: Number(item.defects), worker: item.worker || ME, confirm: !!item.confirm,
                              tapped_at: item.tapped || undefined, synced_at: item.synced || undefined,
                              synced_seal: item.seal || undefined})
      }).then(function (response) {
        if (response.status === 200 || response.status === 201) {
          drop(item.id); sent += 1; return next();
        }
        return response.json().catch(function () { return {}; }).then(function (body) {
          // Refused by the rules: the server kept it ("needs attention" on My day), so the phone
          // may let it go. Anything else (signed out, server trouble): keep it and try later.
          if (body.kept) { drop(item.id); rejected.push(reasonOf(body)); return next(); }
          // Another worker is signed in on the phone now: it waits, and the box says why (not
          // "no network", which the last failed send may have said).
          if (body.reason === "other_worker") held = reasonOf(body);
          finish();
        });
      }, finish);
    }
    next();
  }

  document.addEventListener("click", function (event) {
    var tile = event.target.closest("a.op[data-op]");
    if (tile && tile.closest("form")) {
      event.preventDefault();
      var form = tile.closest("form");
      Array.prototype.forEach.call(form.querySelectorAll("a.op"), function (a) {
        a.classList.toggle("picked", a === tile);
        if (a === tile) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
      });
      form.querySelector("[name=operation]").value = tile.getAttribute("data-op");
      form.querySelector("[name=good]").value = tile.getAttribute("data-open");
      form.querySelector("[name=defects]").value = 0;
      limitSteppers();
      return;
    }
    var step = event.target.closest("button[data-step]");
    if (step) {
      var input = document.getElementById(step.getAttribute("data-for"));
      if (!step.disabled) input.value = Math.max(0, (parseInt(input.value, 10) || 0) + Number(step.getAttribute("data-step")));
      limitSteppers();
      return;
    }
    if (event.target.closest(".queue-send")) flush();
  });

  function networkFailed(event) {
    var elt = event.detail && event.detail.elt;
    // getAttribute: the form's `id` property is its input named "id".
    if (elt && elt.getAttribute("id") === "log-form") keep(elt);
  }
  // A part of the page answered for another worker than this page's (someone else signed in on
  // the phone, in another tab) is not swapped in when it holds a form: a tap on it would count for
  // the other worker under this page's name. The page says so; opening the ticket again shows whose it is.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var who = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Factory-Worker");
    var body = event.detail.serverResponse || "";
    if (ME && who && who !== ME && body.indexOf("<form") >= 0) {
      event.detail.shouldSwap = false;
      var box = document.getElementById("queue");
      if (box) say(box.getAttribute("data-stale"));
      var form = document.getElementById("log-form");
      if (form) form.remove();
    }
  });
  document.addEventListener("htmx:sendError", networkFailed);
  document.addEventListener("htmx:timeout", networkFailed);
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr && event.detail.xhr.status;
    if ([502, 503, 504].indexOf(status) >= 0) networkFailed(event);
  });

  // The undo button disappears when its two minutes are up.
  setInterval(function () {
    Array.prototype.forEach.call(document.querySelectorAll("button.undo[data-until]"), function (b) {
      if (Date.now() / 1000 > Number(b.getAttribute("data-until"))) b.closest("form").remove();
    });
  }, 5000);

  // The live part is swapped after each scan and after a flush: count the queue in again, and
  // bring the answer to the tap into view.
  document.addEventListener("htmx:afterSwap", function () {
    refreshTiles();
    inView(document.getElementById("answer"));
  });
  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("#log-form")) limitSteppers();
  });

  // A ticket the phone never opened, shown by the service worker without network: the worker
  // picks the operation and the count; the scan waits here like any other and the server checks
  // it (open pieces, route, plausibility) when it arrives. A second entry for the same ticket and
  // operation asks for a second tap, as the quick-repeat rule does on a ticket page.
  var offline = document.getElementById("offline-form");
  if (offline && ME) {
    var ticketUrl = location.pathname.replace(/\/$/, "") + "/scans";
    document.querySelector(".offline-token").textContent = location.pathname.split("/").pop();
    offline.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(offline), note = offline.querySelector(".offline-error");
      var button = offline.querySelector("button[type=submit]");
      var op = data.get("operation");
      var good = Math.max(0, parseInt(data.get("good"), 10) || 0), defects = Math.max(0, parseInt(data.get("defects"), 10) || 0);
      function refuse(text) { note.textContent = text; note.hidden = false; note.scrollIntoView({block: "center"}); }
      note.hidden = true;
      if (!op) return refuse(offline.getAttribute("data-pick"));
      if (good + defects <= 0) return refuse(offline.getAttribute("data-count"));
      var before = waiting(ticketUrl, op).reduce(function (sum, item) { return sum + Number(item.good) + Number(item.defects); }, 0);
      if (before && offline.getAttribute("data-confirm") !== "1") {
        offline.setAttribute("data-confirm", "1");
        if (!button.hasAttribute("data-label")) button.setAttribute("data-label", button.textContent);
        button.textContent = offline.getAttribute("data-again");
        return refuse(offline.getAttribute("data-repeat").replace("{n}", before));
      }
      var queue = load();
      queue.push({url: ticketUrl, id: newId(), operation: op, good: good, defects: defects, worker: ME,
                  tapped: serverTime(), synced: clock ? clock.served : 0, seal: clock ? clock.seal : "",
                  confirm: false, at: Date.now()});
      save(queue);
      offline.removeAttribute("data-confirm");
      if (button.hasAttribute("data-label")) button.textContent = button.getAttribute("data-label");
      offline.querySelector("[name=good]").value = 0;
      offline.querySelector("[name=defects]").value = 0;
      var box = document.getElementById("queue");
      showQueue(box.getAttribute("data-kept"));
      box.scrollIntoView({block: "center"});
      flush();
    });
  }

  // Over HTTPS (or on localhost) a service worker keeps ticket pages for offline use (static/sw.js).
  if ("serviceWorker" in navigator && window.isSecureContext && ME) {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () { /* offline as over HTTP */ });
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) registration.active.postMessage({worker: ME});
    });
  }

  window.addEventListener("online", flush);
  setInterval(flush, RETRY_MS);
  refreshTiles();
  showQueue();
  flush();

  // --- the in-page camera scanner (HTTPS or localhost only; the phone's camera app always works) ---
  var scanner = document.getElementById("scanner");
  if (!scanner || !window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  scanner.hidden = false;
  var view = scanner.querySelector(".scan-view"), video = view.querySelector("video");
  var note = scanner.querySelector(".scan-note"), stop = null;

  function found(text) {
    var url;
    try { url = new URL(text, location.href); } catch (e) { url = null; }
    if (url && /^\/t\/[A-Za-z0-9_-]+$/.test(url.pathname)) {
      if (stop) stop();
      location.href = location.origin + url.pathname;
      return true;
    }
    note.textContent = scanner.getAttribute("data-wrong");
    return false;
  }
  function noCamera() { note.textContent = scanner.getAttribute("data-nocamera"); }

  function withBarcodeDetector() {
    var detector = new window.BarcodeDetector({formats: ["qr_code"]});
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
      var active = true;
      stop = function () { active = false; stream.getTracks().forEach(function (t) { t.stop(); }); };
      video.srcObject = stream;
      video.play();
      (function tick() {
        if (!active) return;
        detector.detect(video).then(function (codes) {
          if (!(codes.length && found(codes[0].rawValue))) setTimeout(tick, 250);
        }, function () { setTimeout(tick, 400); });
      })();
    }, noCamera);
  }

  function withQrScanner() {
    function start() {
      var qr = new window.QrScanner(video, function (result) { found(result.data); },
                                    {returnDetailedScanResult: true, preferredCamera: "environment"});
      stop = function () { qr.stop(); qr.destroy(); };
      qr.start().catch(noCamera);
    }
    if (window.QrScanner) return start();
    // qr-scanner is an ES module: load it through a module script (classic scripts cannot import).
    window.addEventListener("qrscanner-ready", start, {once: true});
    var script = document.createElement("script");
    script.type = "module";
    script.src = scanner.getAttribute("data-module");
    document.head.appendChild(script);
  }

  scanner.querySelector(".scan-next").addEventListener("click", function () {
    view.hidden = false;
    note.textContent = "";
    if ("BarcodeDetector" in window) withBarcodeDetector(); else withQrScanner();
  });
  scanner.querySelector(".scan-stop").addEventListener("click", function () {
    if (stop) stop();
    stop = null;
    view.hidden = true;
  });
})();
