/* « Intégrer l'annuaire »: a « Copier le code » button (progressive: without JavaScript the
   snippet is selectable text in a read-only field). */
(function () {
  "use strict";
  var button = document.querySelector(".copy-snippet");
  if (!button) { return; }
  var field = document.getElementById(button.getAttribute("data-target"));
  var status = document.querySelector(".copy-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    field.select();
    var done = function () { status.textContent = button.getAttribute("data-done"); };
    var failed = function () { status.textContent = button.getAttribute("data-failed"); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(done, failed);
    } else {
      try { document.execCommand("copy"); done(); } catch (error) { failed(); }
    }
  });
})();
