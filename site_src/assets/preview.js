// Previews of references: hovering or focusing a link to an equation (#eq-..., on this page or
// in another post) or to a bibliography entry (#ref-...) shows the equation's MathML or the
// entry in a small box beside the link; Escape or moving away closes it (WCAG 1.4.13). The
// content is copied from the link's target, fetched from this site when it is another page.
// Without JavaScript the links simply go to their targets.
(function () {
  var SELECTOR = 'a[href*="#eq-"], a[href*="#ref-"]';
  var pages = {};
  var tip = null, owner = null, hideTimer = null;

  function box() {
    if (tip) return tip;
    tip = document.createElement("div");
    tip.id = "folio-preview";
    tip.className = "folio-preview md-typeset";
    tip.setAttribute("role", "tooltip");
    tip.hidden = true;
    tip.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
    tip.addEventListener("mouseleave", scheduleHide);
    document.body.appendChild(tip);
    return tip;
  }

  function targetOf(a) {
    var url = new URL(a.getAttribute("href"), location.href);
    var id = decodeURIComponent(url.hash.slice(1));
    if (!/^(eq|ref)-/.test(id) || url.origin !== location.origin) return null;
    return { url: url, id: id, here: url.pathname === location.pathname };
  }

  function extract(doc, id) {
    var el = doc.getElementById(id);
    if (!el) return null;
    var math = el.querySelector(".folio-equation__math");
    var node = (math || el).cloneNode(true);
    node.removeAttribute("id");
    node.removeAttribute("tabindex");
    return node.innerHTML;
  }

  function load(url) {
    var key = url.pathname;
    if (!pages[key]) {
      pages[key] = fetch(key, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (text) { return new DOMParser().parseFromString(text, "text/html"); });
    }
    return pages[key];
  }

  function place(a) {
    var r = a.getBoundingClientRect();
    var t = box();
    var left = Math.max(8, Math.min(r.left + window.scrollX,
                                    window.scrollX + document.documentElement.clientWidth - t.offsetWidth - 8));
    t.style.left = left + "px";
    t.style.top = (r.bottom + window.scrollY + 6) + "px";
  }

  function show(a) {
    var target = targetOf(a);
    if (!target) return;
    clearTimeout(hideTimer);
    owner = a;
    var fill = function (html) {
      if (owner !== a || !html) return;
      var t = box();
      t.innerHTML = html;
      t.dataset.kind = target.id.slice(0, target.id.indexOf("-"));
      t.hidden = false;
      a.setAttribute("aria-describedby", "folio-preview");
      place(a);
    };
    if (target.here) fill(extract(document, target.id));
    else load(target.url).then(function (doc) { fill(extract(doc, target.id)); });
  }

  function hide() {
    if (owner) owner.removeAttribute("aria-describedby");
    owner = null;
    if (tip) tip.hidden = true;
  }

  function scheduleHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 150);
  }

  function linkOf(e) {
    var a = e.target.closest ? e.target.closest(SELECTOR) : null;
    return a && a.closest(".md-content") && !a.closest(".folio-preview") ? a : null;
  }

  document.addEventListener("mouseover", function (e) { var a = linkOf(e); if (a) show(a); });
  document.addEventListener("mouseout", function (e) { if (linkOf(e)) scheduleHide(); });
  document.addEventListener("focusin", function (e) { var a = linkOf(e); if (a) show(a); });
  document.addEventListener("focusout", function (e) { if (linkOf(e)) hide(); });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") hide(); });
})();
