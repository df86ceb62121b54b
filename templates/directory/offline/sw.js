/* Gardez le lien — service worker of « Garder hors ligne » (docs/offline.md, « Hors ligne sur
   le terrain »). Served at /sw.js by directory/views/offline.py; plain JavaScript, no build.

   What it does, and nothing more:
   - it stores a territory only when a mediator asks (message "keep" from static/js/offline.js):
     the URLs of the territory's pack (/hors-ligne/<kind>/<code>.json), in one cache per
     territory, « gll-hors-ligne-<kind>-<code> », with the pack itself (its date, its index);
   - the network always comes first: while it answers, pages come from the server and nothing
     is stored (no runtime caching); only when it fails (or, for a kept page, takes longer than
     CONFIG.navigationTimeout) does a page come from a kept territory, with a banner « Hors
     ligne — données du 30 novembre »;
   - an offline search (/lieux/?q=…) that no kept page answers gets the offline search page,
     which filters the kept venues in the browser (static/js/offline-search.js);
   - with the network back, packs older than a day are fetched again (at the next navigation,
     or when a page says the device is "online").
   Pages of signed-in people (« Mon lieu », the account pages: CONFIG.never) are never touched;
   every stored page is fetched without cookies, as an anonymous visitor sees it, and a response
   marked private or no-store (the admin's, whose path is not published here) is never stored. */
"use strict";

const CONFIG = {{ config|safe }};
const DAY = 24 * 60 * 60 * 1000;
const BATCH = 6;  // URLs fetched at a time while storing a territory (a browser's per-host limit)
let lastRefreshCheck = 0;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

// --- which requests it may answer ----------------------------------------------------------

function neverCached(url) {
  return CONFIG.never.some((prefix) => url.pathname.startsWith(prefix));
}

function storable(href) {
  const url = new URL(href, self.location.origin);
  return url.origin === self.location.origin && !neverCached(url);
}

function packUrl(kind, code) {
  return CONFIG.packUrl.replace("KIND", kind).replace("CODE", code);
}

// The kept territories: [{cache, pack}], oldest data first.
async function keptPacks() {
  const names = (await caches.keys()).filter((name) => name.startsWith(CONFIG.cachePrefix));
  const kept = [];
  for (const name of names) {
    const [kind, code] = name.slice(CONFIG.cachePrefix.length).split("-");
    const cache = await caches.open(name);
    const response = await cache.match(packUrl(kind, code));
    if (response) kept.push({ cache, pack: await response.json() });
  }
  return kept.sort((a, b) => a.pack.generated_at.localeCompare(b.pack.generated_at));
}

// --- storing a territory -------------------------------------------------------------------

// Returns the last message sent: "kept" or "error".
async function keep(kind, code, reply) {
  const finish = (message) => {
    reply(message);
    return message;
  };
  let response;
  try {
    response = await fetch(packUrl(kind, code), { credentials: "omit", cache: "no-store" });
  } catch (error) {
    return finish({ type: "error", message: CONFIG.messages.network });
  }
  const pack = await response.clone().json().catch(() => null);
  if (!response.ok || !pack || !Array.isArray(pack.urls)) {
    // The server's own French message (too many venues, unknown territory) when there is one.
    return finish({ type: "error", message: (pack && pack.error) || CONFIG.messages.failed });
  }
  const urls = pack.urls.filter(storable);
  // Everything is fetched before anything is replaced: a failure halfway keeps the old copy.
  const fetched = [];
  for (let start = 0; start < urls.length; start += BATCH) {
    const batch = urls.slice(start, start + BATCH);
    let answers;
    try {
      answers = await Promise.all(batch.map((url) => fetch(url, { credentials: "omit", cache: "no-cache" })));
    } catch (error) {
      return finish({ type: "error", message: CONFIG.messages.network });
    }
    for (let i = 0; i < batch.length; i += 1) {
      const answer = answers[i];
      if (answer.status >= 500) return finish({ type: "error", message: CONFIG.messages.failed });
      // A page gone since the pack was built (404) or moved (a merged venue) is left out (a
      // redirected response cannot answer a navigation), and so is a personal one.
      const personal = /no-store|private/.test(answer.headers.get("Cache-Control") || "");
      if (answer.ok && !answer.redirected && !personal) fetched.push([batch[i], answer]);
    }
    reply({ type: "progress", done: Math.min(start + BATCH, urls.length), total: urls.length });
  }
  const cache = await caches.open(pack.cache);
  const wanted = new Set(fetched.map(([url]) => new URL(url, self.location.origin).href));
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url)) await cache.delete(request);
  }
  for (const [url, answer] of fetched) await cache.put(url, answer);
  // The pack last (under its canonical code): a territory counts as kept once everything else is in.
  await cache.put(packUrl(pack.kind, pack.code), response);
  return finish({ type: "kept", name: pack.name, date_label: pack.date_label, cache: pack.cache });
}

// With the network back: packs older than a day are fetched again (checked at most hourly).
// The « online » event comes a little before requests go through: a failed attempt is tried
// again twice, five seconds apart; still failing, the next navigation or « online » retries.
async function refreshStale() {
  const now = Date.now();
  if (now - lastRefreshCheck < 60 * 60 * 1000) return;
  lastRefreshCheck = now;
  for (const { pack } of await keptPacks()) {
    if (now - Date.parse(pack.generated_at) <= DAY) continue;
    let result = await keep(pack.kind, pack.code, () => {});
    for (let attempt = 1; attempt < 3 && result.type === "error"; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      result = await keep(pack.kind, pack.code, () => {});
    }
    if (result.type === "error") lastRefreshCheck = 0;
  }
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const port = event.ports && event.ports[0];
  const reply = (message) => port && port.postMessage(message);
  if (data.type === "keep" && data.kind && data.code) {
    event.waitUntil(keep(String(data.kind), String(data.code), reply));
  } else if (data.type === "refresh") {
    lastRefreshCheck = 0;
    event.waitUntil(refreshStale());
  }
});

// --- answering requests --------------------------------------------------------------------

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// The stored page with the banner at the top of <main>: every page of the site has one.
async function withBanner(response, text) {
  const html = await response.text();
  const banner = `<p class="offline-banner" role="status">${escapeHtml(text)}</p>`;
  const headers = new Headers(response.headers);
  headers.delete("Content-Length");
  headers.delete("Content-Encoding");
  return new Response(html.replace(/<main\b[^>]*>/, (tag) => tag + banner), {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

async function findIn(kept, request, options) {
  for (const entry of kept) {
    const response = await entry.cache.match(request, { ignoreVary: true, ...options });
    if (response) return { response, pack: entry.pack };
  }
  return null;
}

async function offlinePage(request) {
  const kept = await keptPacks();
  if (!kept.length) return Response.error();
  const url = new URL(request.url);
  // The exact page (a list of the territory, the sheet), else the same page without its query
  // (a venue page reached with ?scenario=2&retour=…). Not for the list: another query is
  // another search.
  let found = await findIn(kept, request, {});
  if (!found && url.pathname !== CONFIG.listUrl) found = await findIn(kept, url.pathname, { ignoreSearch: true });
  if (found) return withBanner(found.response, found.pack.banner);
  if (url.pathname === CONFIG.listUrl) {
    // A search: the offline search page, dated by the oldest territory it searches.
    const page = await findIn(kept, CONFIG.searchUrl, { ignoreSearch: true });
    if (page) return withBanner(page.response, kept[0].pack.banner);
  }
  const home = await findIn(kept, CONFIG.keptUrl, { ignoreSearch: true });
  return home ? withBanner(home.response, CONFIG.messages.notKept) : Response.error();
}

async function navigate(event) {
  const request = event.request;
  const network = fetch(request);
  // The network answers: a good moment to refresh old packs (in the background).
  network.then(() => {
    try {
      event.waitUntil(refreshStale().catch(() => {}));
    } catch (error) {
      // The kept copy was already shown (time-out below): the next navigation will check.
    }
  }, () => {});
  try {
    // A network that neither answers nor fails (one bar, « lie-fi »): with a kept copy of this
    // page, wait at most CONFIG.navigationTimeout, then show the copy with its banner; the copy
    // also beats a server error page (503 while the database is down).
    const url = new URL(request.url);
    const copy = await caches.match(request, { ignoreVary: true, ignoreSearch: url.pathname !== CONFIG.listUrl });
    if (!copy) return await network;
    const late = new Promise((resolve) => setTimeout(resolve, CONFIG.navigationTimeout, null));
    const response = await Promise.race([network, late]);
    return response && response.status < 500 ? response : await offlinePage(request);
  } catch (error) {
    return offlinePage(request);
  }
}

// Files the kept pages load (CSS, scripts, icons, a pack read by the search page).
async function fileFromNetworkOrKept(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const found = await findIn(await keptPacks(), request, {});
    return found ? found.response : Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  // Other sites (map tiles) and the pages of signed-in people: the browser alone.
  if (url.origin !== self.location.origin || neverCached(url)) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(event));
  } else if (url.pathname.startsWith(CONFIG.staticUrl) || url.pathname.startsWith(CONFIG.keptUrl)) {
    event.respondWith(fileFromNetworkOrKept(request));
  }
});
