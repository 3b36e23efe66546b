/* The service worker (HTTPS or localhost only: browsers allow none over plain HTTP).
   It keeps the ticket pages a worker opened and one "offline ticket" page, so that without network
   a ticket opens anyway: a ticket seen before shows its kept copy, one never seen shows the offline
   page (the worker's operations and a count). Scans never wait here: they wait in the page's queue
   (floor.js, localStorage) and go to the server when it answers, which checks them.
   Pages are kept for one worker only: when another worker signs in on the phone (the server names
   the worker of every answer, header X-Factory-Worker), the kept pages are dropped. */
"use strict";
var CACHE = "factory-offline-v1";
var SHELL = "/offline/ticket";
var WHO = "/__worker";
var TICKET = /^\/t\/[A-Za-z0-9_-]+\/?$/;
var STATIC = /^\/static\//;

function keepShell(cache) {
  // The offline page and what it loads (styles, scripts), fetched as the signed-in worker.
  return fetch(SHELL, {credentials: "same-origin"}).then(function (response) {
    if (!response.ok || response.redirected) return;
    return response.clone().text().then(function (html) {
      var assets = [], found, pattern = /(?:href|src)="(\/static\/[^"]+)"/g;
      while ((found = pattern.exec(html))) assets.push(found[1]);
      return Promise.all([cache.put(SHELL, response)].concat(assets.map(function (url) {
        return fetch(url).then(function (r) { if (r.ok) return cache.put(url, r); }, function () {});
      })));
    });
  }, function () {});
}

function noteWorker(response, cache) {
  return forWorker(response.headers.get("X-Factory-Worker"), cache);
}

function forWorker(who, cache) {
  // Pages of another worker than the kept ones: drop every kept page, keep the new worker's.
  if (!who || who === "-") return Promise.resolve(false);
  return cache.match(WHO).then(function (kept) { return kept ? kept.text() : null; }).then(function (before) {
    if (before === who) return true;
    return cache.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return !STATIC.test(new URL(k.url).pathname); })
                             .map(function (k) { return cache.delete(k); }));
    }).then(function () {
      return cache.put(WHO, new Response(who));
    }).then(function () { return keepShell(cache); }).then(function () { return true; });
  });
}

// Every worker page tells the service worker whose phone this is now (floor.js), so a badge
// sign-in of another worker (which lands on "my day") drops the previous worker's pages at once.
self.addEventListener("message", function (event) {
  var who = event.data && event.data.worker;
  if (who) event.waitUntil(caches.open(CACHE).then(function (cache) { return forWorker(String(who), cache); }));
});

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(keepShell).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function ticketPage(request, event) {
  return fetch(request).then(function (response) {
    var copy = response.clone();
    // The worker keeps running until the copy is kept (a phone may lose the network right after).
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return noteWorker(response, cache).then(function (worker) {
        if (worker && response.ok && !response.redirected) return cache.put(request, copy);
      });
    }));
    return response;
  }, function () {
    // No answer at all (no network, or the server is down): the kept copy, else the offline page.
    return caches.open(CACHE).then(function (cache) {
      return cache.match(request, {ignoreSearch: true, ignoreVary: true}).then(function (kept) {
        return kept || cache.match(SHELL);
      });
    }).then(function (page) { return page || Response.error(); });
  });
}

function asset(request, event) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.put(request, copy); }));
    }
    return response;
  }, function () {
    return caches.open(CACHE).then(function (cache) { return cache.match(request, {ignoreSearch: true}); })
      .then(function (kept) { return kept || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && TICKET.test(url.pathname)) return event.respondWith(ticketPage(request, event));
  if (STATIC.test(url.pathname)) return event.respondWith(asset(request, event));
});
