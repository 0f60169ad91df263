// The Vigil sandbox page: draws the state the server streams (server-sent events) and acts through
// its JSON endpoints. No framework and no build step: this file is served as it is.
"use strict";

const $ = (id) => document.getElementById(id);
const view = { state: null, resident: null, actor: null };
const NEAR_BOTTOM_PX = 40;
const QUOTE_CHARACTERS = 80;

// --- drawing text --------------------------------------------------------------------------------

const TAGS = {
  bold: ["<b>", "</b>"], italic: ["<i>", "</i>"], underline: ["<u>", "</u>"], strikethrough: ["<s>", "</s>"],
  spoiler: ['<span class="spoiler">', "</span>"], code: ["<code>", "</code>"], pre: ["<pre>", "</pre>"],
  blockquote: ["<blockquote>", "</blockquote>"], expandable_blockquote: ["<blockquote>", "</blockquote>"],
  // Not a Telegram entity: a report's reference (R-7F3K) is kept on one line, never cut at its hyphen.
  reference: ['<span class="ref">', "</span>"],
};
const REFERENCE = /\bR-[0-9A-Z]{4,}\b/g;

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// Plain text (a quote, a file name): escaped, references kept whole.
function plain(text) {
  return escapeHtml(text).replace(REFERENCE, '<span class="ref">$&</span>');
}

// The first line, at most `limit` characters, ending in "…" wherever it was cut (as the server's quote()).
function shortened(text, limit = QUOTE_CHARACTERS) {
  const firstLine = text.split("\n", 1)[0].trimEnd();
  if (firstLine.length > limit) return firstLine.slice(0, limit - 1).trimEnd() + "…";
  return text.trim().includes("\n") ? firstLine + "…" : firstLine;
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
  const references = [...text.matchAll(REFERENCE)].map((m) => ({ type: "reference", offset: m.index, length: m[0].length }));
  const opens = new Map(), closes = new Map();
  const sorted = [...(entities || []), ...references].sort((a, b) => a.offset - b.offset || b.length - a.length);
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

function messageHtml(message, chatId, { replies = true } = {}) {
  const parts = [];
  const mine = !message.from_bot;
  if (message.author && chatId < 0) {
    const language = message.author_language ? ` <span class="lang">${escapeHtml(message.author_language)}</span>` : "";
    parts.push(`<div class="author">${escapeHtml(message.author)}${language}</div>`);
  }
  if (message.reply_to) parts.push(`<div class="reply">↪ ${plain(message.reply_to.text || "a message")}</div>`);
  if (message.photo) parts.push(`<img src="${message.photo}" alt="photo">`);
  if (message.document) parts.push(`<div class="document">📎 ${plain(message.document)}</div>`);
  if (message.text) parts.push(`<div class="text">${formatted(message.text, message.entities)}</div>`);
  if (message.buttons.length) {
    const rows = message.buttons.map((row) => `<div class="row">${row.map((b) => b.url
      ? `<a href="${escapeHtml(b.url)}" target="_blank" rel="noopener">${escapeHtml(b.text)} ↗</a>`
      : `<button type="button" class="inline" data-chat="${chatId}" data-message="${message.id}" data-callback="${escapeHtml(b.data || "")}">${escapeHtml(b.text)}</button>`
    ).join("")}</div>`);
    parts.push(`<div class="keyboard">${rows.join("")}</div>`);
  }
  const meta = [];
  if (replies) meta.push(`<button type="button" class="reply-action" data-message="${message.id}">↩ Reply</button>`);
  if (message.edited) meta.push(`<span class="edited">edited</span>`);
  if (meta.length) parts.push(`<div class="meta">${meta.join("")}</div>`);
  return `<div class="msg ${mine ? "person" : "bot"}" data-message-id="${message.id}">${parts.join("")}</div>`;
}

function element(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content.firstElementChild;
}

// --- a scrolling list of messages that never hides what changed ----------------------------------

// A Feed is one scrolling pane. While its reader is at the bottom it stays there, whatever grows
// (a new message, a photo that loads and gets taller). A new message, or an edit of a message out of
// view, that the reader cannot see is signalled by the pane's jump button until it has been seen.
// Messages are kept as elements (by id) and replaced only when they change, so photos never reload.
class Feed {
  constructor(scroller, jump) {
    this.scroller = scroller;
    this.jump = jump;
    this.content = scroller.firstElementChild;
    this.stuck = true; // the reader is at the bottom: keep them there
    this.unseen = new Map(); // element -> "new" | "edited"
    this.drawn = false;
    this.lastTop = 0;
    // Only the reader unsticks the pane, by moving up. A scroll event can arrive after the content has
    // grown under a scroll of our own (a photo that loaded in between): it is then short of the bottom
    // without anyone having moved, and must not stop the pane from following.
    scroller.addEventListener("scroll", () => {
      const top = scroller.scrollTop;
      if (top < this.lastTop - 1) this.stuck = this.nearBottom();
      else if (this.nearBottom()) this.stuck = true;
      this.lastTop = top;
      this.forgetSeen();
    });
    // Whatever changes the content's height (a photo that loads, a font): keep the bottom in view.
    new ResizeObserver(() => this.follow()).observe(this.content);
    jump.addEventListener("click", () => this.showUnseen());
  }

  nearBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  inView(el) {
    const box = this.scroller.getBoundingClientRect(), r = el.getBoundingClientRect();
    return r.bottom > box.top + 4 && r.top < box.bottom - 4;
  }

  // A different conversation in the same pane (another resident): nothing in it is news.
  reset() {
    this.content.replaceChildren();
    this.unseen.clear();
    this.drawn = false;
    this.stuck = true;
    this.lastTop = 0;
  }

  // Draw `messages` into `list` (the content itself, or a channel's part of it).
  sync(list, messages, chatId, emptyText, options) {
    const kept = new Map([...list.children].filter((e) => e.dataset.messageId).map((e) => [e.dataset.messageId, e]));
    const wanted = [];
    for (const message of messages) {
      const html = messageHtml(message, chatId, options);
      let el = kept.get(String(message.id));
      if (el && el.dataset.html !== html) {
        const edited = element(html);
        this.unseen.delete(el);
        if (this.drawn) this.unseen.set(edited, this.unseen.get(el) === "new" ? "new" : "edited");
        el = edited;
      } else if (!el) {
        el = element(html);
        if (this.drawn) this.unseen.set(el, "new");
      }
      el.dataset.html = html;
      wanted.push(el);
    }
    if (!wanted.length) wanted.push(element(`<p class="empty">${emptyText}</p>`));
    if (wanted.length !== list.children.length || wanted.some((el, i) => list.children[i] !== el)) {
      list.replaceChildren(...wanted);
    }
  }

  // After drawing: from now on what appears is news.
  settle() {
    this.drawn = true;
    this.follow();
  }

  // Follow the bottom if the reader was there, and signal what they cannot see.
  follow() {
    if (this.stuck) this.scroller.scrollTop = this.scroller.scrollHeight;
    this.lastTop = this.scroller.scrollTop;
    this.forgetSeen();
  }

  forgetSeen() {
    for (const el of [...this.unseen.keys()]) {
      if (!el.isConnected || this.inView(el)) this.unseen.delete(el);
    }
    const kinds = [...this.unseen.values()];
    const added = kinds.filter((k) => k === "new").length, edited = kinds.length - added;
    const said = [];
    if (added) said.push(`${added} new message${added === 1 ? "" : "s"}`);
    if (edited) said.push(`${edited} edited message${edited === 1 ? "" : "s"}`);
    this.jump.hidden = !said.length;
    this.jump.textContent = said.length ? `${this.firstUnseenIsAbove() ? "↑" : "↓"} ${said.join(", ")} out of view` : "";
  }

  firstUnseen() {
    return [...this.unseen.keys()].sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)[0];
  }

  firstUnseenIsAbove() {
    const first = this.firstUnseen();
    return first !== undefined && first.getBoundingClientRect().bottom <= this.scroller.getBoundingClientRect().top;
  }

  // Telegram's arrow: to the end when everything unseen is below, else to what changed above.
  showUnseen() {
    const first = this.firstUnseen();
    if (!first) return;
    const shown = this.firstUnseenIsAbove() ? [first] : [...this.unseen.keys()];
    if (shown.length === 1) {
      first.scrollIntoView({ block: "center" });
    } else {
      this.scroller.scrollTop = this.scroller.scrollHeight; // everything unseen is below: to the end
    }
    for (const el of shown) {
      this.unseen.delete(el);
      el.classList.add("flash");
      setTimeout(() => el.classList.remove("flash"), 1500);
    }
    this.stuck = this.nearBottom();
    this.lastTop = this.scroller.scrollTop;
    this.forgetSeen();
  }
}

// --- replying ------------------------------------------------------------------------------------

// What a pane's next message (or photo, or file) replies to, as Telegram's Reply does.
class ReplyTarget {
  constructor(pane) {
    this.bar = $(`${pane}-replying`);
    this.messageId = null;
    this.bar.querySelector("button").addEventListener("click", () => this.clear());
  }

  set(messageEl) {
    this.messageId = Number(messageEl.dataset.messageId);
    const text = messageEl.querySelector(".text")?.textContent
      || (messageEl.querySelector("img") ? "📷 photo" : messageEl.querySelector(".document")?.textContent || "a message");
    this.bar.querySelector(".quoted").textContent = shortened(text);
    this.bar.hidden = false;
  }

  clear() {
    this.messageId = null;
    this.bar.hidden = true;
  }

  // The field to send, and the bar gone: a reply is for one message.
  take() {
    const id = this.messageId;
    this.clear();
    return id === null ? {} : { reply_to: id };
  }
}

const feeds = {};
const replies = {};

function personLabel(person) {
  return `${person.name} · ${person.language_name} · ${person.role}`;
}

function fillSelect(select, people, current) {
  if (select.options.length) return;
  for (const person of people) select.add(new Option(personLabel(person), person.id));
  select.value = current;
}

function person(id) {
  return [...view.state.residents, ...view.state.actors].find((p) => String(p.id) === String(id));
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
  const resident = feeds.resident;
  resident.sync(resident.content, state.chats[view.resident] || [], Number(view.resident),
    "Nothing yet. Send a photo or a few words, or /report.");
  resident.settle();
  feeds.group.sync(feeds.group.content, state.group.messages, state.group.id, "Reports arrive here as cards.");
  feeds.group.settle();
  drawChannels(state.channels);
}

function drawChannels(channels) {
  const feed = feeds.channels;
  for (const channel of channels) {
    let block = feed.content.querySelector(`[data-channel="${channel.id}"]`);
    if (!block) {
      block = element(`<div class="channel" data-channel="${channel.id}">
        <h3>${escapeHtml(channel.title)} <small>(${channel.languages.map(escapeHtml).join(", ")})</small></h3>
        <div class="posts"></div></div>`);
      feed.content.append(block);
    }
    feed.sync(block.querySelector(".posts"), channel.messages, channel.id, "No alerts.", { replies: false });
  }
  feed.settle();
}

// --- acting --------------------------------------------------------------------------------------

// A toast is what Telegram shows one person only (an answer to their press): it says whom it is for.
function toast(pane, text, { isError = false, isAlert = false, forPerson = null } = {}) {
  const box = $(`${pane}-toast`);
  box.replaceChildren();
  if (forPerson) {
    const who = document.createElement("div");
    who.className = "toast-for";
    who.textContent = `Only ${forPerson.name} sees this:`;
    box.append(who);
  }
  box.append(document.createTextNode(text));
  box.classList.toggle("error", isError);
  box.classList.toggle("alert", isAlert);
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
  if (!answer.ok && pane) toast(pane, answer.error, { isError: true });
  return answer;
}

function onSubmit(formId, inputId, pane, who, chatId) {
  $(formId).addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $(inputId);
    if (!input.value.trim()) return;
    const text = input.value;
    input.value = "";
    await post("/api/send", { user_id: Number(who()), chat_id: chatId(), text, ...replies[pane].take() }, pane);
  });
}

function onMessageActions(containerId, pane, who) {
  $(containerId).addEventListener("click", async (event) => {
    const reply = event.target.closest("button.reply-action");
    if (reply) {
      replies[pane].set(reply.closest(".msg"));
      $(`${pane}-text`).focus();
      return;
    }
    const button = event.target.closest("button.inline");
    if (!button) return;
    const presser = person(who());
    button.disabled = true;
    const answer = await post("/api/press", {
      user_id: Number(presser.id), chat_id: Number(button.dataset.chat),
      message_id: Number(button.dataset.message), data: button.dataset.callback,
    }, pane);
    button.disabled = false; // kept if the message did not change (a refusal): it may be pressed again
    if (answer.ok && answer.answer) toast(pane, answer.answer, { isAlert: answer.alert, forPerson: presser });
  });
}

function connect() {
  const events = new EventSource("/api/events");
  events.onopen = () => { $("connection").textContent = "live"; $("connection").classList.add("live"); };
  events.onerror = () => { $("connection").textContent = "reconnecting…"; $("connection").classList.remove("live"); };
  events.onmessage = (event) => { view.state = JSON.parse(event.data); draw(); };
}

feeds.resident = new Feed($("resident-messages"), $("resident-jump"));
feeds.group = new Feed($("group-messages"), $("group-jump"));
feeds.channels = new Feed($("channel-list"), $("channels-jump"));
replies.resident = new ReplyTarget("resident");
replies.group = new ReplyTarget("group");

$("resident-select").addEventListener("change", (e) => {
  view.resident = e.target.value;
  feeds.resident.reset();
  replies.resident.clear();
  draw();
});
$("actor-select").addEventListener("change", (e) => { view.actor = e.target.value; });
onSubmit("resident-form", "resident-text", "resident", () => view.resident, () => null);
onSubmit("group-form", "group-text", "group", () => view.actor, () => view.state.group.id);
onMessageActions("resident-messages", "resident", () => view.resident);
onMessageActions("group-messages", "group", () => view.actor);
$("sample-photo").addEventListener("click", () => post("/api/photo", {
  user_id: Number(view.resident), ...replies.resident.take(),
}, "resident"));
$("resident-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  const form = new FormData();
  form.append("user_id", view.resident);
  form.append("as_photo", $("as-photo").checked ? "true" : "false");
  const { reply_to: replyTo } = replies.resident.take();
  if (replyTo !== undefined) form.append("reply_to", String(replyTo));
  form.append("file", file, file.name);
  event.target.value = "";
  await post("/api/upload", form, "resident");
});
$("start-drill").addEventListener("click", () => post("/api/drill", {}, "group"));
for (const button of document.querySelectorAll("button.time")) {
  button.addEventListener("click", () => post("/api/time", { minutes: Number(button.dataset.minutes) }));
}
connect();
