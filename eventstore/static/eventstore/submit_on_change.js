/* Submit a form as soon as one of its selects marked data-submit-on-change changes. */
(function () {
  "use strict";
  document.querySelectorAll("select[data-submit-on-change]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
})();
