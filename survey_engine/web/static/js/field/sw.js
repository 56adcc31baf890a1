// Service worker of the interviewer app (scope /field/).  The app shell is cached at install
// under a versioned name (bump CACHE_VERSION when the shell's list changes; files in it are
// also refreshed in the background whenever the network answers); pages and the bootstrap
// JSON go network-first with the cached copy as fallback, so the app starts offline.  POSTs
// (the outbox) are never cached nor answered here: they go to the network or fail, and the
// outbox keeps them.

const CACHE_VERSION = "v2";
const CACHE = `survey-engine-field-${CACHE_VERSION}`;
const SHELL = [
  "/field/",
  "/field/manifest.webmanifest",
  "/static/css/app.css",
  "/static/css/field.css",
  "/static/field/icon-192.png",
  "/static/field/icon-512.png",
  "/static/js/expressions.js",
  "/static/js/skip_logic.js",
  ...["app", "backoff", "dom", "form", "household_view", "i18n", "intercept", "intercept_view", "outbox",
     "question_inputs", "queue_state", "selection", "store", "walk"]
    .map((name) => `/static/js/field/${name}.js`),
];
const NETWORK_FIRST = new Set(["/field/", "/field/api/bootstrap", "/field/manifest.webmanifest"]);
const NETWORK_TIMEOUT_MS = 5000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("survey-engine-field-") && k !== CACHE)
      .map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    // Only a real answer replaces the copy: not a redirect to the sign-in page, not an error.
    if (response.ok && !response.redirected && response.type === "basic") await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  const refresh = fetch(request).then((response) => {
    if (response.ok && response.type === "basic") cache.put(request, response.clone());
    return response;
  });
  if (cached) {
    refresh.catch(() => {});
    return cached;
  }
  return refresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/field")) {
    event.respondWith(networkFirst(request, "/field/"));
  } else if (NETWORK_FIRST.has(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
});
