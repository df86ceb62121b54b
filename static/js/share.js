/* Gardez le lien — « Copier le lien » and « Garder ce lieu sur ce téléphone ».
   Both are extras: without this file the link stays in a read-only field to select and copy,
   and the favourites page explains how to keep venues. Favourites live in localStorage only
   (key "gll-favoris", a list of venue slugs): nothing is sent to the server until the resident
   opens the list, which passes them as ?lieu= parameters. */
(function () {
  "use strict";
  var KEY = "gll-favoris";
  var MAX = 12;

  function read() {
    try {
      var list = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list.filter(function (s) { return typeof s === "string"; }) : [];
    } catch (e) { return null; }
  }
  function write(list) {
    try { window.localStorage.setItem(KEY, JSON.stringify(list.slice(0, MAX))); return true; } catch (e) { return false; }
  }

  // --- copy the link --------------------------------------------------------------------
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      field.select();
      var done = function () { button.textContent = button.getAttribute("data-copied"); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });

  // --- favourites -----------------------------------------------------------------------
  var list = read();
  if (list === null) return;  // storage refused (private mode, settings): keep the no-JS page

  document.querySelectorAll("[data-favourite]").forEach(function (button) {
    var slug = button.getAttribute("data-favourite");
    function label() {
      var kept = read().indexOf(slug) !== -1;
      button.textContent = button.getAttribute(kept ? "data-remove" : "data-add");
      button.setAttribute("aria-pressed", kept ? "true" : "false");
    }
    button.hidden = false;
    label();
    button.addEventListener("click", function () {
      var current = read() || [];
      var at = current.indexOf(slug);
      if (at === -1) { current.unshift(slug); } else { current.splice(at, 1); }
      write(current);
      label();
    });
  });

  // The favourites page: without ?lieu= in the address, load the kept list.
  var page = document.querySelector("[data-favourites-page]");
  if (page) {
    var params = new URLSearchParams(window.location.search);
    if (!params.has("lieu") && list.length) {
      var query = list.map(function (s) { return "lieu=" + encodeURIComponent(s); }).join("&");
      window.location.replace(window.location.pathname + "?" + query);
      return;
    }
    var clear = document.querySelector("[data-favourites-clear]");
    if (clear && list.length) {
      clear.hidden = false;
      clear.addEventListener("click", function () {
        write([]);
        window.location.replace(window.location.pathname);
      });
    }
  }
})();
