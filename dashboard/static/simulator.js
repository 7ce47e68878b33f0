// Phone simulator: keypad, calls without page reloads, a live inbox. Without this script
// the page is a plain form that posts and re-renders (same server endpoints).
(function () {
  "use strict";
  var form = document.getElementById("phone");
  if (!form || !window.fetch) { return; }
  var labels = JSON.parse(document.getElementById("sim-labels").textContent);
  var screen = document.getElementById("sim-screen");
  var input = document.getElementById("sim-input");
  var callButton = document.getElementById("sim-call");
  var phoneInput = document.getElementById("sim-phone");
  var inbox = document.getElementById("inbox");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var state = { sessionId: form.elements.session_id.value, text: form.elements.text.value };

  function setInCall(inCall) {
    callButton.textContent = inCall ? labels.send : labels.call;
    callButton.value = inCall ? "send" : "dial";
  }

  function showError(message) {
    var box = document.getElementById("sim-error");
    if (!box) {
      box = document.createElement("p");
      box.id = "sim-error";
      box.className = "flash flash-error";
      box.setAttribute("role", "alert");
      form.parentNode.parentNode.insertBefore(box, form.parentNode);
    }
    box.textContent = message || "";
    box.hidden = !message;
  }

  function post(action) {
    var data = new FormData();
    data.append("csrf_token", csrf);
    data.append("phone", phoneInput.value);
    data.append("action", action);
    data.append("input", input.value);
    data.append("session_id", state.sessionId);
    data.append("text", state.text);
    callButton.disabled = true;
    // form.action would be the button named "action", not the attribute.
    return fetch(form.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf }
    }).then(function (response) {
      return response.json();
    }).then(function (reply) {
      showError(reply.error);
      if (reply.error) { return; }
      state.sessionId = reply.session_id || "";
      state.text = reply.text || "";
      screen.textContent = reply.screen !== null && reply.screen !== undefined ? reply.screen : labels.ended;
      // After the call ends, the code is ready to dial again (as on the no-JavaScript page).
      input.value = state.sessionId ? "" : labels.serviceCode;
      setInCall(Boolean(state.sessionId));
      if (reply.ended) { window.setTimeout(refreshInbox, 800); }
    }).catch(function () {
      showError(labels.failed);
    }).then(function () {
      callButton.disabled = false;
      input.focus();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var action = event.submitter ? event.submitter.value : (state.sessionId ? "send" : "dial");
    post(action);
  });

  form.querySelectorAll(".key").forEach(function (key) {
    key.addEventListener("click", function () {
      var value = key.getAttribute("data-key");
      input.value = value === "clear" ? input.value.slice(0, -1) : input.value + value;
    });
  });

  function refreshInbox() {
    var url = form.getAttribute("data-inbox-url") + "?phone=" + encodeURIComponent(phoneInput.value);
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (reply) {
        var items = reply.messages || [];
        inbox.textContent = "";
        if (!items.length) {
          var empty = document.createElement("li");
          empty.className = "muted empty";
          empty.textContent = labels.empty;
          inbox.appendChild(empty);
        }
        items.forEach(function (message) {
          var item = document.createElement("li");
          item.className = "message";
          var meta = document.createElement("span");
          meta.className = "meta";
          meta.textContent = (message.shown || message.at) + (message.from ? " · " + message.from : "");
          var text = document.createElement("span");
          text.className = "text";
          text.textContent = message.text;
          item.appendChild(meta);
          item.appendChild(text);
          inbox.appendChild(item);
        });
      })
      .catch(function () { /* the inbox is best effort: keep what is shown */ });
  }

  var smsForm = document.getElementById("sms-form");
  if (smsForm) {
    smsForm.elements.phone.value = phoneInput.value;
    phoneInput.addEventListener("change", function () {
      smsForm.elements.phone.value = phoneInput.value;
      refreshInbox();
    });
  }
  window.setInterval(function () {
    if (!document.hidden) { refreshInbox(); }
  }, 5000);
})();
