/* Gardez le lien — progressive enhancements of the directory pages.
   Everything works without this file: it only adds the map (loaded on demand) and
   the « Autour de moi » button. */
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  // --- map: Leaflet is fetched only when the resident asks for it -------------------------
  function loadLeaflet(block, done) {
    if (window.L) { done(); return; }
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = block.getAttribute("data-leaflet-css");
    document.head.appendChild(css);
    var js = document.createElement("script");
    js.src = block.getAttribute("data-leaflet-js");
    js.onload = done;
    document.head.appendChild(js);
  }

  function drawMap(container, points, config, block) {
    var L = window.L;
    // Leaflet guesses its image folder from the stylesheet URL and gets it wrong when the CSS
    // is added by script (it asked for ".../leafletmarker-icon.png"): say where it is.
    L.Icon.Default.imagePath = block.getAttribute("data-leaflet-css").replace(/[^\/]*$/, "") + "images/";
    var map = L.map(container, { scrollWheelZoom: false });
    L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 18 }).addTo(map);
    var bounds = [];
    points.forEach(function (p) {
      var marker = L.marker([p.lat, p.lon], { title: p.name, alt: p.name }).addTo(map);
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.name + " (" + p.commune + ")";
      marker.bindPopup(link);
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length === 1) map.setView(bounds[0], 14);
    else map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
  }

  function setUpMap() {
    var block = document.querySelector(".map-block");
    var points = readJson("map-points");
    var config = readJson("map-config");
    if (!block || !points || !points.length || !config) return;
    var button = block.querySelector(".map-toggle");
    var container = block.querySelector(".map");
    var drawn = false;
    button.hidden = false;
    button.addEventListener("click", function () {
      var show = container.hidden;
      container.hidden = !show;
      button.setAttribute("aria-expanded", show ? "true" : "false");
      button.textContent = button.getAttribute(show ? "data-label-hide" : "data-label-show");
      if (show && !drawn) {
        drawn = true;
        loadLeaflet(block, function () { drawMap(container, points, config, block); });
      }
    });
  }

  // --- « Autour de moi »: fills the near field and submits the form -------------------------
  function setUpNearMe() {
    var button = document.querySelector(".near-me");
    var field = document.getElementById("id_near");
    if (!button || !field || !("geolocation" in navigator)) return;
    var status = document.querySelector(".near-me-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        field.value = pos.coords.latitude.toFixed(5) + "," + pos.coords.longitude.toFixed(5);
        field.form.submit();
      }, function () {
        button.disabled = false;
        if (status) status.textContent = button.getAttribute("data-error");
      }, { timeout: 15000, maximumAge: 600000 });
    });
  }

  setUpMap();
  setUpNearMe();
})();
