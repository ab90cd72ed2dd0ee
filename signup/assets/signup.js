// Progressive enhancement of the signup page; every form works without it.
// - The code form submits itself when the last digit is typed.
// - The resend button waits out the countdown the server gave, and says so;
//   at its end the page no longer says to wait.
// - WebOTP fills in the code from the text message where the browser can.
(function () {
  "use strict";

  function submit(form) {
    if (form.dataset.submitted) {
      return;
    }
    form.dataset.submitted = "1";
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  function enhanceCode() {
    var form = document.getElementById("code-form");
    var input = document.getElementById("code");
    if (!form || !input) {
      return;
    }
    var length = parseInt(input.getAttribute("maxlength"), 10) || 0;
    var full = new RegExp("^[0-9]{" + length + "}$");
    var otp = null;

    input.addEventListener("input", function () {
      if (otp) {
        otp.abort(); // the person is typing: stop waiting for the text
        otp = null;
      }
      if (length > 0 && full.test(input.value)) {
        submit(form);
      }
    });
    form.addEventListener("submit", function () {
      if (otp) {
        otp.abort();
        otp = null;
      }
    });

    if ("OTPCredential" in window && window.AbortController && navigator.credentials) {
      otp = new AbortController();
      navigator.credentials
        .get({ otp: { transport: ["sms"] }, signal: otp.signal })
        .then(function (cred) {
          otp = null;
          if (cred && cred.code && input.value === "") {
            input.value = cred.code;
            submit(form);
          }
        })
        .catch(function () {
          // Aborted, refused or unsupported: typing the code still works.
          otp = null;
        });
    }
  }

  function enhanceCountdown() {
    var wait = document.getElementById("resend-wait");
    var ready = document.getElementById("resend-ready");
    var form = document.getElementById("resend-form");
    if (!wait || !form) {
      return;
    }
    var button = form.querySelector("button");
    var left = parseInt(wait.dataset.countdown, 10);
    if (!button || !(left > 0)) {
      return;
    }
    function say(n) {
      var text = n === 1 ? wait.dataset.waitOne : wait.dataset.waitMany;
      if (text) {
        wait.textContent = text.replace("{n}", String(n));
      }
    }
    button.disabled = true;
    say(left);
    var timer = window.setInterval(function () {
      left -= 1;
      if (left > 0) {
        say(left);
        return;
      }
      window.clearInterval(timer);
      button.disabled = false;
      wait.hidden = true;
      // The alert that said to wait is no longer true either.
      var alert = document.getElementById("alert");
      if (alert && alert.hasAttribute("data-countdown-alert")) {
        alert.hidden = true;
      }
      button.removeAttribute("aria-describedby");
      if (ready) {
        ready.textContent = ready.dataset.ready || "";
      }
    }, 1000);
  }

  function start() {
    enhanceCode();
    enhanceCountdown();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
