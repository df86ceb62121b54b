/* Gardez le lien — the offline search (/hors-ligne/recherche/, docs/offline.md « Hors ligne sur
   le terrain »). Without network the service worker answers a search (/lieux/?q=…&scenario=…,
   or a territory's list with ?commune= / ?epci=) with this page, kept in every territory's
   pack; this script reads the query from the address and filters the venue index of every
   kept pack (Cache Storage), in the browser. The index is built by directory/offline.py:
   words are folded as there, and each channel says in which scenarios it is usable. */
(function () {
  "use strict";

  var root = document.querySelector("[data-offline-search]");
  var config = (function () {
    var el = document.getElementById("offline-config");
    try { return el ? JSON.parse(el.textContent) : null; } catch (e) { return null; }
  })();
  if (!root || !config || !("caches" in window)) return;

  var BUTTON_KINDS = ["phone", "sms"];

  // Lower case, no accents, letters and digits only: directory.offline.words.
  function fold(text) {
    return String(text || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/œ/g, "oe").replace(/æ/g, "ae").replace(/[^a-z0-9]+/g, " ").trim();
  }

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

  function keptPacks() {
    var prefix = config.cachePrefix;
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf(prefix) === 0; }).map(function (name) {
        var parts = name.slice(prefix.length).split("-");
        return caches.open(name).then(function (cache) {
          return cache.match(config.packUrl.replace("KIND", parts[0]).replace("CODE", parts[1]));
        }).then(function (response) { return response ? response.json() : null; });
      }));
    }).then(function (packs) { return packs.filter(Boolean); });
  }

  // The communes whose name is exactly ``text``, or whose postal code it is.
  function communesNamed(text, communes) {
    if (!text) return [];
    return communes.filter(function (c) { return c.words === text || c.postal_codes.indexOf(text) !== -1; });
  }

  // A typed text → {place: [communes], words: [the other words]}: the whole text as a commune,
  // else its leading or trailing words (« cysoing mediatheque »), else the start of one name.
  function readPlace(text, communes) {
    var words = text ? text.split(" ") : [];
    for (var size = words.length; size > 0; size -= 1) {
      var leading = communesNamed(words.slice(0, size).join(" "), communes);
      if (leading.length) return { place: leading, words: words.slice(size) };
      var trailing = communesNamed(words.slice(words.length - size).join(" "), communes);
      if (trailing.length) return { place: trailing, words: words.slice(0, words.length - size) };
    }
    var starting = text.length >= 3 ? communes.filter(function (c) { return c.words.indexOf(text) === 0; }) : [];
    if (starting.length === 1) return { place: starting, words: [] };
    return { place: [], words: words };
  }

  // Every typed word starts one of the venue's words (name, commune, postal code, address).
  function hasWords(venue, words) {
    var own = " " + venue.words;
    return words.every(function (word) { return own.indexOf(" " + word) !== -1; });
  }

  function channelItem(line) {
    var item = document.createElement("li");
    item.className = "channel channel-" + line.kind;
    if (line.heading) {
      var heading = document.createElement("span");
      heading.className = "channel-kind";
      heading.textContent = line.heading;
      item.appendChild(heading);
      item.appendChild(document.createTextNode(" "));
    }
    var value;
    if (line.href) {
      value = document.createElement("a");
      value.className = "channel-link action action-" + line.kind + (BUTTON_KINDS.indexOf(line.kind) !== -1 ? " action-button" : "");
      value.href = line.href;
      if (line.href.indexOf("http") === 0) value.rel = "noopener noreferrer";
    } else {
      value = document.createElement("span");
      value.className = "channel-value";
    }
    value.textContent = line.value;
    item.appendChild(value);
    if (line.availability) {
      var when = document.createElement("span");
      when.className = "channel-when";
      when.textContent = " (" + line.availability + ")";
      item.appendChild(when);
    }
    return item;
  }

  function render(venues, scenario, countText) {
    var list = root.querySelector("[data-results]");
    var template = document.getElementById("offline-result");
    root.querySelector("[data-results-count]").textContent = countText;
    list.textContent = "";
    venues.forEach(function (venue, index) {
      var item = template.content.cloneNode(true);
      var id = "lieu-hors-ligne-" + index;
      item.querySelector("article").setAttribute("aria-labelledby", id);
      var name = item.querySelector("[data-field=name]");
      name.id = id;
      name.textContent = venue.name;
      name.href = venue.url + (scenario ? "?scenario=" + scenario : "");
      item.querySelector("[data-field=place]").textContent = venue.address + ", " + venue.postal_code + " " + venue.commune;
      var status = item.querySelector(".status");
      status.classList.add(venue.closed ? "status-paused" : "status-open");
      item.querySelector("[data-field=status]").textContent = venue.status;
      item.querySelector("[data-field=detail]").textContent = venue.detail ? " — " + venue.detail : "";
      var channels = item.querySelector("[data-field=channels]");
      venue.channels.forEach(function (line) {
        if (!scenario || line.scenarios.indexOf(scenario) !== -1) channels.appendChild(channelItem(line));
      });
      if (!channels.children.length) channels.remove();
      list.appendChild(item);
    });
  }

  var params = new URLSearchParams(window.location.search);
  var text = fold(params.get("q"));
  var scenario = parseInt(params.get("scenario"), 10);
  scenario = scenario >= 1 && scenario <= 3 ? scenario : 0;
  var communeCode = (params.get("commune") || "").toUpperCase();
  var epciCode = params.get("epci") || "";

  // The form shows what was searched.
  root.querySelector("#id_q").value = params.get("q") || "";
  var radio = root.querySelector("#scenario-" + scenario);
  if (radio) radio.checked = true;
  root.hidden = false;
  document.querySelectorAll("[data-offline-unsupported]").forEach(function (el) { el.hidden = true; });

  keptPacks().then(function (packs) {
    var venues = [];
    var seen = {};
    var communes = [];
    var codes = {};
    packs.forEach(function (pack) {
      pack.venues.forEach(function (v) { if (!seen[v.url]) { seen[v.url] = true; venues.push(v); } });
      pack.communes.forEach(function (c) { if (!codes[c.code]) { codes[c.code] = true; communes.push(c); } });
    });
    root.querySelector("[data-kept-names]").textContent = format(root.getAttribute("data-kept"), {
      names: packs.map(function (p) { return p.name; }).join(", ") || "—",
    });

    if (communeCode) venues = venues.filter(function (v) { return v.serves.indexOf(communeCode) !== -1; });
    if (epciCode) {
      var inEpci = communes.filter(function (c) { return c.epci === epciCode; }).map(function (c) { return c.code; });
      venues = venues.filter(function (v) { return inEpci.indexOf(v.commune_code) !== -1; });
    }
    var reading = readPlace(text, communes);
    var placeCodes = reading.place.map(function (c) { return c.code; });
    if (placeCodes.length) {
      venues = venues.filter(function (v) {
        return v.serves.some(function (code) { return placeCodes.indexOf(code) !== -1; });
      });
    }
    if (reading.words.length) venues = venues.filter(function (v) { return hasWords(v, reading.words); });
    if (scenario) venues = venues.filter(function (v) { return v.scenarios.indexOf(scenario) !== -1; });

    // Located in the place first, then by commune and name, in French order.
    venues.sort(function (a, b) {
      var here = (placeCodes.indexOf(b.commune_code) !== -1) - (placeCodes.indexOf(a.commune_code) !== -1);
      return here || a.commune.localeCompare(b.commune, "fr") || a.name.localeCompare(b.name, "fr");
    });
    var count = venues.length
      ? format(root.getAttribute("data-count"), { n: venues.length })
      : format(root.getAttribute("data-none"), {});
    if (reading.place.length === 1 && venues.length) {
      count += " — " + format(root.getAttribute("data-place"), { name: reading.place[0].name });
    }
    render(venues, scenario, count);
  });
})();
