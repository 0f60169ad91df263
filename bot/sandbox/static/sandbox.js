// The Vigil sandbox page: draws the state the server streams (server-sent events) and acts through
// its JSON endpoints. No framework and no build step: this file is served as it is.
"use strict";

const $ = (id) => document.getElementById(id);
const view = { state: null, resident: null, actor: null };

// --- drawing -------------------------------------------------------------------------------------

const TAGS = {
  bold: ["<b>", "</b>"], italic: ["<i>", "</i>"], underline: ["<u>", "</u>"], strikethrough: ["<s>", "</s>"],
  spoiler: ['<span class="spoiler">', "</span>"], code: ["<code>", "</code>"], pre: ["<pre>", "</pre>"],
  blockquote: ["<blockquote>", "</blockquote>"], expandable_blockquote: ["<blockquote>", "</blockquote>"],
};

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function tagsFor(entity, text) {
  if (entity.type === "text_link" || entity.type === "url") {
    const href = entity.type === "url" ? text.substr(entity.offset, entity.length) : entity.url;
    return [`<a href="${escapeHtml(href)}" target="_blank" rel="noopener">`, "</a>"];
  }
  return TAGS[entity.type] || null;
}

// Telegram's entities count UTF-16 code units, as JavaScript strings do, so offsets apply directly.
function formatted(text, entities) {
  const opens = new Map(), closes = new Map();
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  for (const entity of sorted) {
    const tags = tagsFor(entity, text);
    if (!tags) continue;
    if (!opens.has(entity.offset)) opens.set(entity.offset, []);
    opens.get(entity.offset).push(tags[0]);
    const end = entity.offset + entity.length;
    if (!closes.has(end)) closes.set(end, []);
    closes.get(end).unshift(tags[1]);
  }
  let html = "";
  for (let i = 0; i <= text.length; i++) {
    html += (closes.get(i) || []).join("") + (opens.get(i) || []).join("");
    if (i < text.length) html += escapeHtml(text[i]);
  }
  return html;
}

function messageHtml(message, chatId) {
  const parts = [];
  const mine = !message.from_bot;
  if (message.author && chatId < 0) parts.push(`<div class="author">${escapeHtml(message.author)}</div>`);
  if (message.reply_to) parts.push(`<div class="reply">↪ ${escapeHtml(message.reply_to.text || "a message")}</div>`);
  if (message.photo) parts.push(`<img src="${message.photo}" alt="photo">`);
  if (message.document) parts.push(`<div class="document">📎 ${escapeHtml(message.document)}</div>`);
  if (message.text) parts.push(`<div class="text">${formatted(message.text, message.entities)}</div>`);
  if (message.buttons.length) {
    const rows = message.buttons.map((row) => `<div class="row">${row.map((b) => b.url
      ? `<a href="${escapeHtml(b.url)}" target="_blank" rel="noopener">${escapeHtml(b.text)} ↗</a>`
      : `<button type="button" class="inline" data-chat="${chatId}" data-message="${message.id}" data-callback="${escapeHtml(b.data || "")}">${escapeHtml(b.text)}</button>`
    ).join("")}</div>`);
    parts.push(`<div class="keyboard">${rows.join("")}</div>`);
  }
  if (message.edited) parts.push(`<div class="meta">edited</div>`);
  return `<div class="msg ${mine ? "person" : "bot"}" data-message-id="${message.id}">${parts.join("")}</div>`;
}

function drawMessages(container, messages, chatId, emptyText) {
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
  container.innerHTML = messages.length
    ? messages.map((m) => messageHtml(m, chatId)).join("")
    : `<p class="empty">${emptyText}</p>`;
  if (atBottom) container.scrollTop = container.scrollHeight;
}

function fillSelect(select, people, current) {
  if (select.options.length) return;
  for (const person of people) select.add(new Option(`${person.name} (${person.role})`, person.id));
  select.value = current;
}

function draw() {
  const state = view.state;
  view.resident ??= String(state.residents[0].id);
  view.actor ??= String(state.actors[0].id);
  fillSelect($("resident-select"), state.residents, view.resident);
  fillSelect($("actor-select"), state.actors, view.actor);
  $("clock").textContent = state.clock.local + (state.clock.offset_minutes
    ? ` (+${Math.floor(state.clock.offset_minutes / 60)} h ${state.clock.offset_minutes % 60} min)` : "");
  $("group-title").textContent = state.group.title;
  drawMessages($("resident-messages"), state.chats[view.resident] || [], Number(view.resident),
    "Nothing yet. Send a photo or a few words, or /report.");
  drawMessages($("group-messages"), state.group.messages, state.group.id, "Reports arrive here as cards.");
  const list = $("channel-list");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.innerHTML = state.channels.map((channel) => `
    <div class="channel" data-channel="${channel.id}">
      <h3>${escapeHtml(channel.title)} <small>(${channel.languages.join(", ")})</small></h3>
      <div class="posts">${channel.messages.length ? channel.messages.map((m) => messageHtml(m, channel.id)).join("")
        : '<p class="empty">No alerts.</p>'}</div>
    </div>`).join("");
  if (atBottom) list.scrollTop = list.scrollHeight;
}

// --- acting --------------------------------------------------------------------------------------

function toast(pane, text, isError = false) {
  const box = $(`${pane}-toast`);
  box.textContent = text;
  box.classList.toggle("error", isError);
  box.hidden = false;
  clearTimeout(box.timer);
  box.timer = setTimeout(() => { box.hidden = true; }, 5000);
}

async function post(path, body, pane) {
  const options = body instanceof FormData
    ? { method: "POST", body }
    : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  const answer = await response.json().catch(() => ({ ok: false, error: `The sandbox answered ${response.status}.` }));
  if (!answer.ok && pane) toast(pane, answer.error, true);
  return answer;
}

function onSubmit(formId, inputId, pane, who, chatId) {
  $(formId).addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $(inputId);
    if (!input.value.trim()) return;
    const text = input.value;
    input.value = "";
    await post("/api/send", { user_id: Number(who()), chat_id: chatId(), text }, pane);
  });
}

function onButtons(containerId, pane, who) {
  $(containerId).addEventListener("click", async (event) => {
    const button = event.target.closest("button.inline");
    if (!button) return;
    button.disabled = true;
    const answer = await post("/api/press", {
      user_id: Number(who()), chat_id: Number(button.dataset.chat),
      message_id: Number(button.dataset.message), data: button.dataset.callback,
    }, pane);
    if (answer.ok && answer.answer) toast(pane, answer.answer);
  });
}

function connect() {
  const events = new EventSource("/api/events");
  events.onopen = () => { $("connection").textContent = "live"; $("connection").classList.add("live"); };
  events.onerror = () => { $("connection").textContent = "reconnecting…"; $("connection").classList.remove("live"); };
  events.onmessage = (event) => { view.state = JSON.parse(event.data); draw(); };
}

$("resident-select").addEventListener("change", (e) => { view.resident = e.target.value; draw(); });
$("actor-select").addEventListener("change", (e) => { view.actor = e.target.value; });
onSubmit("resident-form", "resident-text", "resident", () => view.resident, () => null);
onSubmit("group-form", "group-text", "group", () => view.actor, () => view.state.group.id);
onButtons("resident-messages", "resident", () => view.resident);
onButtons("group-messages", "group", () => view.actor);
$("sample-photo").addEventListener("click", () => post("/api/photo", { user_id: Number(view.resident) }, "resident"));
$("resident-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  const form = new FormData();
  form.append("user_id", view.resident);
  form.append("as_photo", $("as-photo").checked ? "true" : "false");
  form.append("file", file, file.name);
  event.target.value = "";
  await post("/api/upload", form, "resident");
});
$("start-drill").addEventListener("click", () => post("/api/drill", {}, "group"));
for (const button of document.querySelectorAll("button.time")) {
  button.addEventListener("click", () => post("/api/time", { minutes: Number(button.dataset.minutes) }));
}
connect();
