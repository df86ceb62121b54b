/* Coverage page enhancements: a print button and a Leaflet map of venues coloured by status.
   The table is the primary content; without JavaScript (or without Leaflet) nothing is lost. */
(function () {
  "use strict";

  var printButton = document.querySelector(".print-button");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }

  var container = document.getElementById("coverage-map");
  var pointsNode = document.getElementById("coverage-points");
  var tilesNode = document.getElementById("coverage-tiles");
  if (!container || !pointsNode || !tilesNode || typeof window.L === "undefined") {
    return;
  }
  var points = JSON.parse(pointsNode.textContent);
  var tiles = JSON.parse(tilesNode.textContent);
  if (!points.length) {
    return;
  }
  // Colours also carried by the legend classes in coverage.css (contrast checked on white).
  var colours = {
    open: "#1b7f3b",
    temporarily_closed: "#b35c00",
    permanently_closed: "#6b6b6b"
  };
  container.classList.add("is-active");
  var map = window.L.map(container, { scrollWheelZoom: false });
  window.L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: 18 }).addTo(map);
  var bounds = [];
  points.forEach(function (p) {
    var colour = colours[p.status] || colours.open;
    var marker = window.L.circleMarker([p.lat, p.lon], {
      radius: 7,
      color: "#ffffff",
      weight: 2,
      fillColor: colour,
      fillOpacity: 0.9
    }).addTo(map);
    var text = document.createElement("span");
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.name;
    text.appendChild(link);
    text.appendChild(document.createTextNode(" — " + p.status_label));
    marker.bindPopup(text);
    bounds.push([p.lat, p.lon]);
  });
  map.fitBounds(bounds, { padding: [20, 20], maxZoom: 14 });
})();
