// The simulator's service worker: after one visit, every built file comes from its cache, so the trainer
// opens and works with no network. scripts/precache.mjs writes the file list and a version derived from
// the files' contents into this file at build time (a Trunk post_build hook): a new build is a new
// service worker, which waits until the page's user accepts it (never in the middle of a ceremony or a
// lab), then replaces the cache.
const VERSION = "__PRECACHE_VERSION__";
const FILES = __PRECACHE_FILES__;
const CACHE = `luna-usb-hsm7-sim-${VERSION}`;

self.addEventListener("install", (event) => {
  // `no-cache`: each file is checked with the server, so that the cache holds exactly this build's files,
  // but one the page has just fetched comes from the HTTP cache when the server says it is unchanged
  // (a first visit then downloads each file once, not twice).
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES.map((f) => new Request(f, { cache: "no-cache" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("luna-usb-hsm7-sim-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// The page sends this when its user accepts the new version.
self.addEventListener("message", (event) => {
  if (event.data === "apply-update") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      // A file of the build by its name (the query aside: ?embed&demo=... is the app's page too); any
      // other page of the app is the app's one page.
      let cached = await cache.match(request, { ignoreSearch: true });
      if (!cached && request.mode === "navigate") cached = await cache.match("index.html");
      return cached ?? fetch(request);
    }),
  );
});
