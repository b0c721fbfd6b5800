// The local payment sandbox sends the browser back to the shop with a POST, as SSLCommerz does.
// The "Continue" button stays for browsers without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-autosubmit]");
  if (form) {
    form.submit();
  }
});
