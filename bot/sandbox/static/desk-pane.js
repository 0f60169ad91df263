// The web desk pane: the Mini App opened as a sample verifier, in place of the channels pane.
"use strict";
(function () {
  const toggle = document.getElementById("desk-toggle");
  const pane = document.getElementById("desk-pane");
  const channels = document.getElementById("channels");
  const select = document.getElementById("desk-select");
  const frame = document.getElementById("desk-frame");

  async function open() {
    const response = await fetch("/api/desk?user_id=" + encodeURIComponent(select.value));
    if (response.ok) frame.src = (await response.json()).url;
  }

  async function fillPeople() {
    const state = await (await fetch("/api/state")).json();
    select.replaceChildren(...state.actors.map((person) => {
      const option = document.createElement("option");
      option.value = person.id;
      option.textContent = personLabel(person);  // sandbox.js: name · language · role
      return option;
    }));
  }

  toggle.addEventListener("click", async () => {
    const showing = !pane.hidden;
    pane.hidden = showing;
    channels.hidden = !showing;
    toggle.textContent = showing ? "🖥 Web desk" : "📣 Channels";
    if (!showing && !select.options.length) { await fillPeople(); await open(); }
  });
  select.addEventListener("change", open);
})();
