// The board's poll brings the tag of what it shows (If-None-Match); the server answers 304,
// after one read and before planning anything, when nothing changed: the board stays as it is.
document.addEventListener("htmx:configRequest", function (event) {
  var elt = event.detail.elt;
  if (elt && elt.id === "board" && elt.dataset.etag) {
    event.detail.headers["If-None-Match"] = elt.dataset.etag;
  }
});
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr && event.detail.xhr.status === 304) {
    event.detail.shouldSwap = false;
    event.detail.isError = false;
  }
});
