// Make scrolling containers focusable so keyboard users can scroll them (WCAG 2.1.1; axe:
// scrollable-region-focusable): Material's wrappers around wide tables, and inline formulas
// wider than the screen. Run after each page load (Material's instant navigation included).
document$.subscribe(function () {
  document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (el) {
    el.setAttribute("tabindex", "0");
  });
  document.querySelectorAll(".folio-math").forEach(function (el) {
    if (el.scrollWidth > el.clientWidth) {
      el.setAttribute("tabindex", "0");
      el.setAttribute("role", "group");
      el.setAttribute("aria-label", "formula (scrolls sideways)");
    }
  });
});
