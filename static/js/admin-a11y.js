/* Gardez le lien — accessible names for the admin's autocomplete widgets (select2).
   select2 hides the labelled <select> and draws a combobox whose only name is the selected
   text, empty at first (axe-core: aria-input-field-name, label). Give each drawn element the
   text of the original label, now and whenever select2 adds one (dropdowns, new inline rows). */
(function () {
  "use strict";

  function labelOf(select) {
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    return label ? label.textContent.replace(/\s*:\s*$/, "").trim() : "";
  }

  function name(el, text) {
    if (el && text && !el.getAttribute("aria-label")) el.setAttribute("aria-label", text);
  }

  function fix() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      if (!container || !container.classList.contains("select2")) return;
      var text = labelOf(select);
      container.querySelectorAll(".select2-selection, .select2-selection__rendered, .select2-search__field")
        .forEach(function (el) { name(el, text); });
    });
    document.querySelectorAll(".select2-dropdown .select2-search__field").forEach(function (el) {
      name(el, document.documentElement.lang === "en" ? "Search" : "Rechercher");
    });
  }

  function start() {
    fix();
    new MutationObserver(fix).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "complete") start();
  else window.addEventListener("load", start);
})();
