// "Can we take it?": a verdict answers the inputs it was made for. While the owner changes an
// input, the verdict on screen is marked out of date and its buttons wait for the new one (the
// server also refuses a decision whose inputs changed). A date the browser cannot read is sent
// as `due_bad`, so the page says "not a valid date" instead of "required".
(function () {
  var form = document.getElementById("inquiry");
  if (!form) return;
  function stale() {
    var verdict = document.getElementById("verdict");
    if (!verdict || verdict.classList.contains("stale")) return;
    verdict.classList.add("stale");
    verdict.querySelectorAll("#decide button").forEach(function (b) { b.disabled = true; });
  }
  form.addEventListener("input", stale);
  form.addEventListener("change", stale);
  form.addEventListener("htmx:configRequest", function (event) {
    var due = form.querySelector("input[name=due]");
    if (due && due.validity && due.validity.badInput) event.detail.parameters.due_bad = "1";
  });
  // A date the browser cannot read keeps its value empty and sends no input event: ask anyway.
  form.addEventListener("keyup", function (event) {
    if (event.target.name === "due" && event.target.validity.badInput && window.htmx) {
      window.htmx.trigger(form, "change");
    }
  });
  document.addEventListener("change", function (event) {
    // The priority changes where the board will put the order: ask for the verdict again.
    if (event.target.name === "priority" && event.target.closest("#decide") && window.htmx) {
      window.htmx.trigger(form, "change");
    }
  });
})();
