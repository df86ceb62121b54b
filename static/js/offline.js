/* Gardez le lien — « Garder hors ligne » on the page side (docs/offline.md, « Hors ligne sur le
   terrain »). Three things, all extras:
   - the « Garder hors ligne » block of a commune or EPCI result page and of the paper sheet
     (hidden in the HTML): shown only where service workers and Cache Storage exist; a click
     registers /sw.js and asks it to store the territory's pack, with progress;
   - the page /hors-ligne/: lists the kept territories (read from Cache Storage) with
     « Mettre à jour » and « Retirer »;
   - when the device comes back online, asks the worker to refresh packs older than a day.
   Without this file (or without service workers) nothing is shown that cannot work. */
(function () {
  "use strict";

  var supported = "serviceWorker" in navigator && "caches" in window && window.isSecureContext;

  // Texts come translated from the page's data-* attributes, with {name} placeholders (not
  // %(name)s, which Django doubles in template messages). The typography middleware does not see
  // attributes: in French, the no-break spaces before « : ; ! ? » and inside « » are added here
  // (directory/typography.py does the rest of the page).
  var french = (document.documentElement.lang || "fr").indexOf("fr") === 0;
  function format(text, values) {
    var filled = text.replace(/\{(\w+)\}/g, function (match, name) { return name in values ? values[name] : match; });
    if (!french) return filled;
    return filled.replace(/ :/g, "\u00a0:").replace(/ ([;!?»])/g, "\u202f$1").replace(/« /g, "«\u202f");
  }

  function readJson(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  // The worker, registered on first use (ordinary visitors never get one), in the page's
  // language: its offline messages are written when the script is served.
  function worker() {
    var lang = encodeURIComponent(document.documentElement.lang || "fr");
    return navigator.serviceWorker.register("/sw.js?langue=" + lang, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) { return registration.active; });
  }

  // Ask the worker to store a territory; onMessage gets "progress", then "kept" or "error".
  function keep(kind, code, onMessage) {
    return worker().then(function (active) {
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) {
          onMessage(event.data);
          if (event.data.type !== "progress") resolve(event.data);
        };
        active.postMessage({ type: "keep", kind: kind, code: code }, [channel.port2]);
      });
    });
  }

  // The kept territories' packs, read from Cache Storage: [{name, pack}].
  function keptPacks(prefix, packUrl) {
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf(prefix) === 0; }).map(function (name) {
        var parts = name.slice(prefix.length).split("-");
        return caches.open(name).then(function (cache) {
          return cache.match(packUrl.replace("KIND", parts[0]).replace("CODE", parts[1]));
        }).then(function (response) {
          return response ? response.json().then(function (pack) { return { name: name, pack: pack }; }) : null;
        });
      }));
    }).then(function (list) {
      return list.filter(Boolean).sort(function (a, b) { return a.pack.name.localeCompare(b.pack.name, "fr"); });
    });
  }

  // --- the « Garder hors ligne » block ---------------------------------------------------------
  function setUpKeepBlock(block) {
    var button = block.querySelector("button");
    var status = block.querySelector("[data-keep-status]");
    var kind = block.getAttribute("data-kind");
    var code = block.getAttribute("data-code");
    var cacheName = block.getAttribute("data-cache");
    var link = block.querySelector("[data-keep-list]");
    block.hidden = false;
    // Already kept: say since when, and offer to update.
    caches.has(cacheName).then(function (has) {
      if (!has) return;
      caches.open(cacheName).then(function (cache) {
        return cache.match(block.getAttribute("data-pack"));
      }).then(function (response) {
        if (!response) return;
        response.json().then(function (pack) {
          status.textContent = format(block.getAttribute("data-already"), { date: pack.date_label });
          button.textContent = block.getAttribute("data-update");
          link.hidden = false;
        });
      });
    });
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = format(block.getAttribute("data-saving"), {});
      keep(kind, code, function (message) {
        if (message.type === "progress") {
          status.textContent = format(block.getAttribute("data-progress"), { done: message.done, total: message.total });
        } else if (message.type === "kept") {
          status.textContent = format(block.getAttribute("data-done"), { date: message.date_label });
          button.textContent = block.getAttribute("data-update");
          link.hidden = false;
        } else if (message.type === "error") {
          status.textContent = format(message.message, {});
        }
      }).catch(function () {
        status.textContent = format(block.getAttribute("data-failed"), {});
      }).then(function () { button.disabled = false; });
    });
  }

  // --- /hors-ligne/: the kept territories ---------------------------------------------------
  function setUpKeptPage(page) {
    var config = readJson("offline-config");
    var list = page.querySelector("[data-kept-list]");
    var empty = page.querySelector("[data-kept-empty]");
    var status = page.querySelector("[data-kept-status]");
    var template = document.getElementById("kept-item");
    page.hidden = false;
    document.querySelectorAll("[data-offline-unsupported]").forEach(function (el) { el.hidden = true; });

    function render() {
      return keptPacks(config.cachePrefix, config.packUrl).then(function (kept) {
        list.textContent = "";
        empty.hidden = kept.length > 0;
        kept.forEach(function (entry) {
          var pack = entry.pack;
          var item = template.content.cloneNode(true);
          var name = item.querySelector("[data-field=name]");
          name.textContent = pack.name;
          name.href = pack.list_url;
          item.querySelector("[data-field=kind]").textContent = pack.kind_label;
          item.querySelector("[data-field=date]").textContent = pack.date_label;
          item.querySelector("[data-field=count]").textContent = pack.venues.length;
          item.querySelector("[data-field=sheet]").href = pack.sheet_url;
          item.querySelectorAll("[data-field=territory]").forEach(function (el) { el.textContent = pack.name; });
          item.querySelector("[data-action=update]").addEventListener("click", function (event) {
            var button = event.currentTarget;
            button.disabled = true;
            status.textContent = format(page.getAttribute("data-updating"), { name: pack.name });
            keep(pack.kind, pack.code, function (message) {
              if (message.type === "error") status.textContent = format(message.message, {});
              if (message.type === "kept") {
                status.textContent = format(page.getAttribute("data-updated"), { name: pack.name, date: message.date_label });
              }
            }).catch(function () {
              status.textContent = format(page.getAttribute("data-failed"), {});
            }).then(function () { button.disabled = false; render(); });
          });
          item.querySelector("[data-action=remove]").addEventListener("click", function () {
            caches.delete(entry.name).then(function () {
              status.textContent = format(page.getAttribute("data-removed"), { name: pack.name });
              render();
            });
          });
          list.appendChild(item);
        });
      });
    }
    render();
  }

  if (!supported) return;
  document.querySelectorAll("[data-keep-offline]").forEach(setUpKeepBlock);
  var keptPage = document.querySelector("[data-kept-page]");
  if (keptPage) setUpKeptPage(keptPage);
  // Network back: packs older than a day are fetched again by the worker.
  window.addEventListener("online", function () {
    if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage({ type: "refresh" });
  });
})();
