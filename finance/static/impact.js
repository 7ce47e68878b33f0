// The impact summary's Print button (no inline scripts: the dashboard's CSP forbids them).
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
});
