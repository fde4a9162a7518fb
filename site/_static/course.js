/* The course website's small behaviours (no request leaves the site).

   - A box that scrolls sideways (a long code line, a wide table or output) gets tabindex="0",
     so a keyboard user can reach it and scroll it with the arrow keys
     (WCAG 2.1.1; axe-core's "scrollable-region-focusable").
   - A display formula a little wider than the page is drawn smaller to fit (down to 70 %); a
     wider one scrolls inside its box, which then carries the class "course-scrolls": the
     stylesheet shows a dotted edge and a fade on the side that hides more. */
(function () {
  "use strict";

  function scrolls(el) {
    return el.scrollWidth > el.clientWidth + 1;
  }

  function markScrollable() {
    const article = document.querySelector("article") || document.body;
    article.querySelectorAll("pre, div.cell_output, div.output, table, div.math-wrapper, "
                              + "div.math, mjx-container[display='true']").forEach(function (el) {
      if (el.matches("mjx-container")) fitFormula(el);
      const style = getComputedStyle(el);
      const scrollable = ["auto", "scroll"].includes(style.overflowX) && scrolls(el);
      if (scrollable) {
        if (!el.hasAttribute("tabindex")) {
          el.setAttribute("tabindex", "0");
          el.dataset.courseTabindex = "1";
        }
      } else if (el.dataset.courseTabindex) {
        el.removeAttribute("tabindex");
        delete el.dataset.courseTabindex;
      }
      if (el.matches(".math, div.math-wrapper, mjx-container")) {
        el.classList.toggle("course-scrolls", scrollable);
        el.classList.toggle("course-scrolls-more",
                            scrollable && el.scrollLeft + el.clientWidth < el.scrollWidth - 1);
      }
    });
  }

  // A display formula a little wider than its box is drawn smaller (down to MIN_FORMULA_SCALE)
  // rather than scrolled; a much wider one (on a phone) scrolls, with its cue.
  const MIN_FORMULA_SCALE = 0.7;
  function fitFormula(el) {
    if (!el.dataset.courseFontSize) {
      el.dataset.courseFontSize = String(parseFloat(getComputedStyle(el).fontSize));
    }
    const size = parseFloat(el.dataset.courseFontSize);
    el.style.fontSize = size + "px";
    if (!scrolls(el)) return;
    const ratio = el.clientWidth / el.scrollWidth;
    if (ratio >= MIN_FORMULA_SCALE) {
      el.style.fontSize = (size * ratio * 0.98) + "px";
    }
  }

  function whenTypeset() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      return MathJax.startup.promise;
    }
    return Promise.resolve();
  }

  // Search result snippets: Sphinx cuts them from the page's HTML, where a formula is still its
  // TeX source; show an ellipsis in its place.
  function cleanSearchSnippets() {
    if (typeof Search === "undefined" || !Search.htmlToText || Search.courseClean) return;
    const htmlToText = Search.htmlToText;
    Search.htmlToText = function (htmlString, anchor) {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".math, mjx-container, .course-launch").forEach(function (el) {
        el.replaceWith(doc.createTextNode(el.classList.contains("course-launch") ? "" : " … "));
      });
      return htmlToText(doc.documentElement.outerHTML, anchor);
    };
    Search.courseClean = true;
  }

  function start() {
    cleanSearchSnippets();
    markScrollable();
    whenTypeset().then(markScrollable);
    window.addEventListener("resize", markScrollable);
    document.addEventListener("scroll", function (event) {
      const el = event.target;
      if (el instanceof Element && el.classList.contains("course-scrolls")) {
        el.classList.toggle("course-scrolls-more",
                            el.scrollLeft + el.clientWidth < el.scrollWidth - 1);
      }
    }, true);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
