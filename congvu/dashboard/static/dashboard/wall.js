// Wall screen: keep the last figures on screen when a refresh does not bring new ones (server restarting, an
// error page), and go back to the login page when the session has ended, instead of swapping in nothing.
document.addEventListener("htmx:beforeSwap", function (event) {
  var xhr = event.detail.xhr;
  if (xhr.responseURL && xhr.responseURL.indexOf("/login/") !== -1) {
    event.detail.shouldSwap = false;
    window.location.reload();
    return;
  }
  if (!event.detail.isError && xhr.responseText.indexOf('id="wall-figures"') === -1) {
    event.detail.shouldSwap = false;
  }
});
