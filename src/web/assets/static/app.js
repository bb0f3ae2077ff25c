// Paperboy's little bit of JavaScript: everything works without it. It adds keyboard shortcuts
// ("/" focuses the search box; "j"/"k" move between paper cards), a new search as soon as the
// search page's "Search by" control changes, and upvoting without a reload: an upvote form's
// submit becomes a POST (vote) or DELETE (take back) of /api/papers/{id}/upvote, whose answer
// updates the count. The browser sends the session cookie and an Origin header with it, which
// is what the API asks of a logged-in browser.
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

  // The search page's Words / Meaning / Both control searches again when it changes (without
  // this script, the Search button does).
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!(input instanceof HTMLInputElement) || input.name !== "mode" || !input.form) return;
    var q = input.form.querySelector("input[name=q]");
    if (q && q.value.trim() !== "") input.form.submit();
  });

  // Every form on the page that votes for the same paper (a paper's card and its page's
  // button) shows the same count and state.
  function showVote(action, upvotes, upvoted) {
    var forms = document.querySelectorAll("form.vote-form");
    for (var i = 0; i < forms.length; ++i) {
      if (forms[i].getAttribute("action") !== action) continue;
      var button = forms[i].querySelector("button");
      button.setAttribute("aria-pressed", upvoted ? "true" : "false");
      forms[i].querySelector(".vote-count").textContent = String(upvotes);
      // What the form asks for when sent without this script: the other of what it shows.
      var wanted = forms[i].querySelector("input[name=vote]");
      if (wanted) wanted.value = upvoted ? "0" : "1";
    }
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("vote-form")) return;
    // An anonymous visitor's form has no CSRF token: the server sends them to log in.
    if (!form.querySelector("input[name=csrf]")) return;
    var action = form.getAttribute("action");  // "/papers/{id}/upvote"
    var button = form.querySelector("button");
    if (button.getAttribute("aria-busy") === "true") { e.preventDefault(); return; }
    if (typeof window.fetch !== "function") return;
    e.preventDefault();
    var voted = button.getAttribute("aria-pressed") === "true";
    button.setAttribute("aria-busy", "true");
    window.fetch("/api" + action, {
      method: voted ? "DELETE" : "POST",
      credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      if (!response.ok) throw new Error("upvote: HTTP " + response.status);
      return response.json();
    }).then(function (answer) {
      button.removeAttribute("aria-busy");
      showVote(action, answer.upvotes, answer.upvoted);
    }).catch(function () {
      // The session ended, the network failed, ...: the form does it the long way, and the
      // page it leads to says what happened.
      button.removeAttribute("aria-busy");
      form.submit();
    });
  });
})();
