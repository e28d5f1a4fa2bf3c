// Keyboard shortcuts of the Screening view (i include, e exclude, r reason, u undo).
// Plain DOM, no inline handlers: the Content-Security-Policy allows scripts from our own files only.
(function () {
  "use strict";
  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }
  function click(id) {
    var button = document.getElementById(id);
    if (button) { button.click(); return true; }
    return false;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (typing(event.target)) {
      // Enter in the reason or study field submits nothing by itself: the reviewer still chooses i or e.
      if (event.key === "Enter" && (event.target.id === "reason" || event.target.id === "study-id")) {
        event.preventDefault();
      }
      return;
    }
    var handled = false;
    if (event.key === "i") { handled = click("include"); }
    else if (event.key === "e") { handled = click("exclude"); }
    else if (event.key === "u") { handled = click("undo-button"); }
    else if (event.key === "r") {
      var reason = document.getElementById("reason");
      if (reason) { reason.focus(); handled = true; }
    }
    if (handled) { event.preventDefault(); }
  });
})();
