// Make scrolling containers focusable so keyboard users can scroll them (WCAG 2.1.1; axe:
// scrollable-region-focusable): Material's wrappers around wide tables, and inline formulas
// wider than the screen. Run after each page load (Material's instant navigation included).
// A formula in a block the browser is skipping (content-visibility: auto, off screen; see
// folio.css) is measured when the block is rendered: measuring it at load would lay the block
// out, and fetch the math font, before the first paint.
function folioMarkScrollable(el) {
  if (el.scrollWidth > el.clientWidth) {
    el.setAttribute("tabindex", "0");
    el.setAttribute("role", "group");
    el.setAttribute("aria-label", "formula (scrolls sideways)");
  }
}
document$.subscribe(function () {
  document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (el) {
    el.setAttribute("tabindex", "0");
  });
  folioMarkRendered();
});
function folioMarkRendered() {
  document.querySelectorAll(".folio-math").forEach(function (el) {
    if (!el.checkVisibility || el.checkVisibility({ contentVisibilityAuto: true })) {
      folioMarkScrollable(el);
    }
  });
}
document.addEventListener("contentvisibilityautostatechange", function (event) {
  if (!event.skipped) event.target.querySelectorAll(".folio-math").forEach(folioMarkScrollable);
}, true);
// The math font arrives after the first formulas are measured, and makes them wider: measure
// the rendered ones again once it has.
if (document.fonts) document.fonts.addEventListener("loadingdone", folioMarkRendered);
