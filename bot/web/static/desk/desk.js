// Vigil's web desk: a Telegram Mini App that loads nothing from outside Vigil's server.
// Telegram passes the launch parameters in the URL fragment (tgWebAppData, tgWebAppThemeParams);
// the server checks the signed data and answers with a short session the page then sends.
"use strict";
(function () {
  const api = "/desk/api/";
  const $ = (id) => document.getElementById(id);
  const state = { session: null, strings: {}, areas: [], tiles: null, queue: null, report: null, events: null };

  function launchParams() {
    const fragment = new URLSearchParams(location.hash.slice(1));
    const search = new URLSearchParams(location.search);
    return {
      initData: fragment.get("tgWebAppData") || search.get("tgWebAppData"),
      theme: fragment.get("tgWebAppThemeParams"),
    };
  }

  function applyTheme(json) {
    if (!json) return;
    let theme;
    try { theme = JSON.parse(json); } catch (e) { return; }
    const names = ["bg_color", "text_color", "hint_color", "link_color", "button_color", "button_text_color", "secondary_bg_color"];
    for (const name of names) {
      const value = theme[name];
      if (typeof value === "string" && /^#[0-9a-fA-F]{3,8}$/.test(value)) {
        document.documentElement.style.setProperty("--tg-" + name.replace(/_color$/, "").replace(/_/g, "-"), value);
      }
    }
  }

  function t(key) { return state.strings[key] || key; }

  function notice(text, refusal) {
    const box = $("notice");
    box.textContent = text || "";
    box.hidden = !text;
    box.classList.toggle("refusal", !!refusal);
  }

  function refuse(text) {
    // A plain refusal page: nothing of the desk is shown.
    $("queue-view").hidden = true;
    $("report-view").hidden = true;
    notice(text, true);
  }

  async function call(path, options) {
    const headers = Object.assign({ "Content-Type": "application/json" }, options && options.headers);
    if (state.session) headers["X-Desk-Session"] = state.session;
    return fetch(api + path, Object.assign({}, options, { headers, cache: "no-store", credentials: "omit" }));
  }

  async function signIn(initData, quiet) {
    const response = await call("session", { method: "POST", body: JSON.stringify(initData ? { init_data: initData } : {}) });
    const body = await response.json().catch(() => ({}));
    if (response.status === 401) {
      if (quiet) return false;
      await fallbackStrings(); refuse(t("expired")); return false;
    }
    if (response.status === 403) { refuse(body.refusal || "403"); return false; }
    if (!response.ok) { notice(t("offline")); return false; }
    state.session = body.session;
    state.strings = body.strings;
    state.areas = body.areas || [];
    state.tiles = body.tiles;
    document.documentElement.lang = body.language;
    $("title").textContent = t("title");
    $("queue-title").textContent = t("queue");
    $("alerts-title").textContent = t("alerts");
    $("map-title").textContent = t("map");
    $("back").textContent = "← " + t("back");
    $("media").setAttribute("aria-label", t("media"));
    return body;
  }

  async function fallbackStrings() {
    const language = (navigator.language || "en").slice(0, 2);
    const response = await fetch(api + "strings?language=" + encodeURIComponent(language), { cache: "no-store" });
    if (response.ok) state.strings = await response.json();
  }

  function listen() {
    if (state.events) state.events.close();
    const events = new EventSource(api + "events?session=" + encodeURIComponent(state.session));
    state.events = events;
    events.addEventListener("queue", (event) => {
      $("live").textContent = "●";
      state.queue = JSON.parse(event.data);
      renderQueue();
      if (state.report !== null) openReport(state.report, true);
    });
    events.onerror = () => { $("live").textContent = t("offline"); };
  }

  function item(entry, isAlert) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "item" + (entry.urgent ? " urgent" : "");
    button.dataset.report = entry.id;
    if (entry.urgent) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "⚠ " + t("urgent");
      button.appendChild(badge);
      button.appendChild(document.createElement("br"));
    }
    const text = document.createElement("span");
    text.innerHTML = entry.html; // rendered and escaped by Vigil, like the group's /queue
    for (const link of text.querySelectorAll("a")) link.replaceWith(...link.childNodes);
    button.appendChild(text);
    button.addEventListener("click", () => openReport(entry.id));
    li.appendChild(button);
    return li;
  }

  function renderQueue() {
    const queue = state.queue;
    if (!queue) return;
    $("queue-title").textContent = queue.pending.length ? queue.title : t("empty");
    $("queue").replaceChildren(...queue.pending.map((e) => item(e, false)));
    $("alerts-title").hidden = !queue.alerts.length;
    $("alerts").replaceChildren(...queue.alerts.map((e) => item(e, true)));
    if ($("map-box").open) drawMap();
  }

  async function openReport(id, quietly) {
    const response = await call("reports/" + id);
    if (response.status === 401 || response.status === 403) { await start(); return; }
    if (!response.ok) { if (!quietly) showQueue(); return; }
    const report = await response.json();
    if (quietly && state.report !== id) return;
    state.report = id;
    $("queue-view").hidden = true;
    $("report-view").hidden = false;
    $("card").innerHTML = report.card; // the card's own text, rendered and escaped by Vigil
    const media = [];
    for (const item of report.media) {
      const url = item.url + "?session=" + encodeURIComponent(state.session);
      let element;
      if (item.kind === "photo") { element = document.createElement("img"); element.alt = ""; element.loading = "lazy"; }
      else if (item.kind === "video") { element = document.createElement("video"); element.controls = true; element.preload = "none"; }
      else { element = document.createElement("audio"); element.controls = true; element.preload = "none"; }
      element.src = url;
      media.push(element);
    }
    if (!quietly || $("media").children.length !== media.length) $("media").replaceChildren(...media);
    renderActions(report);
    renderRelated(report);
    if (!quietly) { $("chooser").hidden = true; window.scrollTo(0, 0); }
  }

  // The reports attached to this one (each with its Detach), or the one this report was added to.
  function renderRelated(report) {
    const parts = [];
    const link = (label, id) => actButton(label, () => openReport(id), "link");
    if (report.attached_to) parts.push(link("↑ " + t("joined"), report.attached_to));
    if (report.attached.length) {
      const heading = document.createElement("p");
      heading.textContent = t("attached");
      parts.push(heading, ...report.attached.map((a) => link("🔗 " + a.ref, a.id)));
    }
    $("related").replaceChildren(...parts);
  }

  function actButton(label, run, className) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = className || "act";
    button.textContent = label;
    button.addEventListener("click", () => run(button));
    return button;
  }

  function renderActions(report) {
    const buttons = report.actions.map((action) => actButton(action.label, (button) => {
      if (action.kind === "press") return act(button, action.data, "");
      return choose(action);
    }));
    $("actions").replaceChildren(...buttons);
  }

  function choose(action) {
    const box = $("chooser");
    const parts = [];
    const prompt = document.createElement("p");
    prompt.textContent = action.prompt || action.label;
    parts.push(prompt);
    for (const option of action.options || []) {
      parts.push(actButton(option.label, (button) => act(button, option.data, "").then(() => { box.hidden = true; })));
    }
    if (action.kind === "ask" || action.kind === "words") {
      const words = document.createElement("textarea");
      words.maxLength = 1000;
      parts.push(words);
      parts.push(actButton(t("send"), (button) => {
        if (words.value.trim()) act(button, action.data, words.value).then((ok) => { if (ok) box.hidden = true; });
      }));
    }
    parts.push(actButton(t("cancel"), () => { box.hidden = true; }));
    box.replaceChildren(...parts);
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  // One request id per tap: a retry after a lost answer, or a second tap, applies once.
  async function act(button, data, words) {
    const requestId = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(36).slice(2)).replace(/[^A-Za-z0-9_-]/g, "");
    button.disabled = true;
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        let response;
        try {
          response = await call("act", { method: "POST", body: JSON.stringify({ data, words, request_id: requestId }) });
        } catch (e) {
          await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
          continue;
        }
        const body = await response.json().catch(() => ({}));
        if (response.status === 401) { await start(); return false; }
        notice(body.message || body.refusal || String(response.status));
        if (state.report !== null) openReport(state.report, true);
        return !!body.ok;
      }
      notice(t("offline"));
      return false;
    } finally {
      button.disabled = false;
    }
  }

  function showQueue() {
    state.report = null;
    $("report-view").hidden = true;
    $("queue-view").hidden = false;
    notice("");
  }

  // --- the map: the network file's neighborhoods as circles (Web Mercator, as tile servers draw the
  // world), with an organizer's tiles underneath only when the server names a tile URL ---
  function project(lat, lon, zoom) {
    const size = 256 * Math.pow(2, zoom), sin = Math.sin(lat * Math.PI / 180);
    return { x: (lon + 180) / 360 * size, y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * size };
  }

  function drawMap() {
    const areas = state.areas;
    if (!areas.length) { $("map").replaceChildren(); return; }
    const inner = 320, pad = 20, ns = "http://www.w3.org/2000/svg";
    const kmPerPixel = (lat, zoom) => 40075.016 * Math.cos(lat * Math.PI / 180) / (256 * Math.pow(2, zoom));
    const bounds = (zoom) => {
      const pts = areas.map((a) => Object.assign(project(a.lat, a.lon, zoom), { a, r: a.radius_km / kmPerPixel(a.lat, zoom) }));
      return { pts, minX: Math.min(...pts.map((p) => p.x - p.r)), maxX: Math.max(...pts.map((p) => p.x + p.r)),
               minY: Math.min(...pts.map((p) => p.y - p.r)), maxY: Math.max(...pts.map((p) => p.y + p.r)) };
    };
    let zoom = 17, b = bounds(zoom);
    while (zoom > 1 && Math.max(b.maxX - b.minX, (b.maxY - b.minY) * 0.8) > inner) { zoom -= 1; b = bounds(zoom); }
    const width = inner + 2 * pad, height = Math.max(120, b.maxY - b.minY) + 2 * pad;
    const left = (b.minX + b.maxX) / 2 - width / 2, top = b.minY - pad;  // centred
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("role", "img");
    if (state.tiles) {
      for (let tx = Math.floor(left / 256); tx <= Math.floor((left + width) / 256); tx++) {
        for (let ty = Math.floor(top / 256); ty <= Math.floor((top + height) / 256); ty++) {
          const tile = document.createElementNS(ns, "image");
          tile.setAttribute("href", state.tiles.replace("{z}", zoom).replace("{x}", tx).replace("{y}", ty));
          tile.setAttribute("x", tx * 256 - left);
          tile.setAttribute("y", ty * 256 - top);
          tile.setAttribute("width", 256);
          tile.setAttribute("height", 256);
          svg.appendChild(tile);
        }
      }
    }
    const queue = state.queue || { pending: [], alerts: [] };
    for (const p of b.pts) {
      const open = queue.pending.filter((e) => e.area === p.a.key);
      const live = queue.alerts.some((e) => e.area === p.a.key);
      const cx = p.x - left, cy = p.y - top;
      const circle = document.createElementNS(ns, "circle");
      circle.setAttribute("cx", cx);
      circle.setAttribute("cy", cy);
      circle.setAttribute("r", Math.max(p.r, 6));
      circle.setAttribute("class", "area" + (open.length ? " open" : "") + (open.some((e) => e.urgent) ? " urgent" : "") + (live ? " alert" : ""));
      const label = document.createElementNS(ns, "text");
      label.textContent = p.a.name + (open.length ? ` (${open.length})` : "") + (live ? " ●" : "");
      const half = Math.min(width / 2, label.textContent.length * 3.4);  // about half the label's width
      label.setAttribute("x", Math.min(Math.max(cx, half), width - half));
      label.setAttribute("y", cy + 4);
      label.setAttribute("text-anchor", "middle");
      svg.append(circle, label);
    }
    $("map").replaceChildren(svg);
  }

  // A session still running is renewed (membership asked again); else Telegram's launch data, while recent.
  async function signInAgain() {
    const initData = sessionStorage.getItem("vigil-desk-init");
    let signed = state.session ? await signIn(null, !!initData) : false;
    if (!signed && initData) { state.session = null; signed = await signIn(initData, false); }
    return signed;
  }

  async function start() {
    const params = launchParams();
    applyTheme(params.theme);
    if (params.initData) sessionStorage.setItem("vigil-desk-init", params.initData);
    if (!sessionStorage.getItem("vigil-desk-init") && !state.session) {
      await fallbackStrings(); refuse(t("open_in_telegram")); return;
    }
    const signed = await signInAgain();
    if (!signed) return;
    listen();
    if (signed.open) openReport(signed.open);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("back").addEventListener("click", showQueue);
    $("map-box").addEventListener("toggle", drawMap);
    // Renew the session (membership asked again) well before it runs out.
    setInterval(async () => { if (await signInAgain()) listen(); }, 10 * 60 * 1000);
    start();
  });
})();
