// Print pages: reveal the "Imprimer" button (hidden without JavaScript) and wire it.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
