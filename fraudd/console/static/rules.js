// The rules page's editor: the server checks the text as it is typed (POST /rules/check, the
// consumer's own check) and the one-line answer is shown under the editor. A file, not inline
// script: the console's Content-Security-Policy allows scripts from 'self' only.
(() => {
  "use strict";
  const editor = document.getElementById("rule-text");
  const out = document.getElementById("check");
  if (!editor || !out || !editor.form) return;
  const token = editor.form.querySelector("input[name=csrf]").value;
  let timer = null;
  let sent = 0;

  function show(state, message) {
    out.textContent = message;
    out.className = state;
    out.dataset.state = state;
  }

  async function check() {
    const mine = ++sent;
    try {
      const response = await fetch("/rules/check", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": token },
        body: new URLSearchParams({ text: editor.value }),
      });
      if (!response.ok) throw new Error(`the console answered ${response.status}`);
      const result = await response.json();
      if (mine === sent) show(result.ok ? "ok" : "refused", result.message);
    } catch (error) {
      if (mine === sent) show("refused", `could not check: ${error.message}`);
    }
  }

  editor.addEventListener("input", () => {
    clearTimeout(timer);
    out.dataset.state = "checking";
    timer = setTimeout(check, 250);
  });
})();
