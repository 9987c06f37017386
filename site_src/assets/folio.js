// Material wraps wide tables in a scrolling container after each page load; make that container
// focusable so keyboard users can scroll it (WCAG 2.1.1; axe: scrollable-region-focusable).
document$.subscribe(function () {
  document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (el) {
    el.setAttribute("tabindex", "0");
  });
});
