// Paperboy's little bit of JavaScript: everything works without it; this only adds keyboard
// shortcuts. "/" focuses the search box; "j"/"k" move between paper cards.
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    var target = e.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable)) return;
    if (e.key === "/") {
      var q = document.getElementById("header-q");
      if (q) { e.preventDefault(); q.focus(); }
      return;
    }
    if (e.key === "j" || e.key === "k") {
      var links = Array.prototype.slice.call(document.querySelectorAll(".card-title a"));
      if (!links.length) return;
      var at = links.indexOf(document.activeElement);
      var next = e.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
      links[next].focus();
      links[next].scrollIntoView({block: "center"});
    }
  });
})();
