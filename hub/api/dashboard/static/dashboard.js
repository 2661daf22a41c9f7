// stockhub ops dashboard: ask before any action. A form with data-confirm is sent only after
// the person agrees; "confirmed=yes" tells the server the question was asked (without
// JavaScript the server asks on a page of its own instead).
"use strict";

document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (!question) {
    return;
  }
  if (!window.confirm(question)) {
    event.preventDefault();
    return;
  }
  var flag = form.querySelector('input[name="confirmed"]');
  if (flag) {
    flag.value = "yes";
  }
});
