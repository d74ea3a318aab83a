// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", function () {
  // Warn before sending a file that is larger than the field allows (the server checks too).
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    input.addEventListener("change", function () {
      var max = parseInt(input.dataset.maxBytes, 10);
      var file = input.files && input.files[0];
      input.setCustomValidity(file && file.size > max ? input.dataset.tooLarge : "");
      input.reportValidity();
    });
  });
  // Confirm destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
});
