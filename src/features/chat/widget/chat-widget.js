/*
 * edgedesk chat widget. Embed with one tag:
 *   <script src="https://support.example.com/widget.js" defer></script>
 * Options (data attributes of that tag): data-title, data-greeting, data-position="left".
 * No framework, no inline styles (its stylesheet is /widget.css, loaded into its own shadow root), no
 * HTML parsing: every text it shows is set as text. A page with a strict Content-Security-Policy adds the
 * support origin to script-src, style-src and connect-src (https: and wss:) and needs nothing else.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.EdgedeskChat) return;
  var base = new URL(script.src, location.href).origin;
  var api = base + "/api/v1/chat/sessions";
  var storeKey = "edgedesk-chat:" + base;
  var data = script.dataset || {};
  var TYPING_REFRESH_MS = 4000;
  var TYPING_IDLE_MS = 5000;
  var PING_MS = 45000;
  var MAX_BACKOFF_MS = 30000;
  var FINISHED = { closed: true, cancelled: true };

  var state = { session: load(), me: null, socket: null, backoff: 1000, typingSent: 0, typingTimer: 0, pingTimer: 0, shown: {}, staffTyping: {}, names: {}, ended: false };

  function load() {
    try {
      var s = JSON.parse(localStorage.getItem(storeKey) || "null");
      return s && typeof s.ticket_id === "string" && typeof s.token === "string" ? s : null;
    } catch (e) {
      return null;
    }
  }
  function save(s) {
    state.session = s;
    try {
      if (s) localStorage.setItem(storeKey, JSON.stringify(s));
      else localStorage.removeItem(storeKey);
    } catch (e) {
      /* private mode: the chat lasts as long as the page */
    }
  }

  // ------------------------------------------------------------------ the interface

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  var host = el("div");
  host.setAttribute("data-edgedesk-chat", "");
  var root = host.attachShadow({ mode: "open" });
  var css = el("link");
  css.rel = "stylesheet";
  css.href = base + "/widget.css";
  root.appendChild(css);

  var frame = el("div", "edc" + (data.position === "left" ? " edc-left" : ""));
  var launcher = el("button", "edc-launcher", data.title || "Chat with us");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "edc-panel");

  var panel = el("section", "edc-panel");
  panel.id = "edc-panel";
  panel.hidden = true;
  panel.setAttribute("aria-label", data.title || "Chat with us");
  var header = el("header", "edc-header");
  header.appendChild(el("h2", "edc-title", data.title || "Chat with us"));
  var closeButton = el("button", "edc-close", "×");
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", "Close the chat");
  header.appendChild(closeButton);

  var log = el("div", "edc-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  var greeting = el("p", "edc-note", data.greeting || "Hello! Ask us anything, an agent will answer here.");
  log.appendChild(greeting);
  var status = el("p", "edc-status");
  status.setAttribute("aria-live", "polite");

  var form = el("form", "edc-form");
  var intro = el("div", "edc-intro");
  var nameInput = field(intro, "text", "Your name (optional)", "name");
  var emailInput = field(intro, "email", "Your email, for replies when you are away (optional)", "email");
  var text = el("textarea", "edc-text");
  text.rows = 2;
  text.maxLength = 50000;
  text.required = true;
  text.setAttribute("aria-label", "Your message");
  text.placeholder = "Type your message…";
  var send = el("button", "edc-send", "Send");
  send.type = "submit";
  var restart = el("button", "edc-restart", "Start a new chat");
  restart.type = "button";
  restart.hidden = true;
  form.appendChild(intro);
  form.appendChild(text);
  form.appendChild(send);

  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(status);
  panel.appendChild(form);
  panel.appendChild(restart);
  frame.appendChild(panel);
  frame.appendChild(launcher);
  root.appendChild(frame);

  function field(parent, type, label, name) {
    var input = el("input", "edc-input");
    input.type = type;
    input.name = name;
    input.placeholder = label;
    input.setAttribute("aria-label", label);
    input.maxLength = type === "email" ? 254 : 100;
    parent.appendChild(input);
    return input;
  }

  function setStatus(message) {
    status.textContent = message || "";
  }

  function toggle(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      text.focus();
      if (state.session && !state.socket) resume();
    }
  }

  function showMessage(m) {
    if (state.shown[m.id]) return;
    state.shown[m.id] = true;
    var mine = state.me && m.author && m.author.id === state.me;
    var item = el("div", "edc-msg " + (mine ? "edc-me" : "edc-agent"));
    if (!mine) item.appendChild(el("span", "edc-author", m.author ? m.author.name : ""));
    item.appendChild(el("span", "edc-body", m.body));
    item.setAttribute("data-id", m.id);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function showTyping() {
    var names = Object.keys(state.staffTyping).map(function (id) {
      return state.names[id] || "An agent";
    });
    setStatus(names.length ? names.join(", ") + (names.length > 1 ? " are" : " is") + " typing…" : "");
  }

  function end(reason) {
    state.ended = true;
    form.hidden = true;
    restart.hidden = false;
    setStatus(reason);
    closeSocket();
  }

  // ------------------------------------------------------------------ the API

  function call(method, path, body) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.session) headers.Authorization = "Bearer " + state.session.token;
    return fetch(api + path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "omit" }).then(function (res) {
      return res.text().then(function (t) {
        var json = null;
        try {
          json = t ? JSON.parse(t) : null;
        } catch (e) {
          /* not JSON */
        }
        if (!res.ok) {
          var err = new Error((json && json.detail) || "Request failed (" + res.status + ")");
          err.status = res.status;
          throw err;
        }
        return json;
      });
    });
  }

  function opened(result) {
    save({ ticket_id: result.ticket.id, token: result.visitor_token });
    state.me = result.ticket.requester.id;
    intro.hidden = true;
  }

  function resume() {
    var s = state.session;
    return call("GET", "/" + encodeURIComponent(s.ticket_id))
      .then(function (chat) {
        state.me = chat.visitor.id;
        intro.hidden = true;
        // The first message is the ticket's description.
        showMessage({ id: "first-" + chat.ticket.id, body: chat.ticket.description, author: { id: state.me } });
        if (FINISHED[chat.ticket.status] || chat.ticket.merged_into_id) end("This chat has ended.");
        return call("GET", "/" + encodeURIComponent(s.ticket_id) + "/messages?limit=100");
      })
      .then(function (page) {
        page.data.forEach(showMessage);
        connect();
      })
      .catch(function (err) {
        if (err.status === 401 || err.status === 404) {
          // The chat is gone (deleted, or the visitor was blocked): start afresh.
          save(null);
          intro.hidden = false;
        } else setStatus("Offline. Retrying…");
      });
  }

  function submit(event) {
    event.preventDefault();
    var body = text.value.trim();
    if (!body || state.ended) return;
    send.disabled = true;
    typing(false);
    var request;
    if (!state.session) {
      var first = { message: body };
      if (nameInput.value.trim()) first.name = nameInput.value.trim();
      if (emailInput.value.trim()) first.email = emailInput.value.trim();
      request = call("POST", "", first).then(function (result) {
        opened(result);
        // The first message is the ticket's description: shown as the visitor's own line.
        showMessage({ id: "first-" + result.ticket.id, body: body, author: { id: state.me } });
        connect();
      });
    } else {
      request = call("POST", "/" + encodeURIComponent(state.session.ticket_id) + "/messages", { body: body }).then(showMessage);
    }
    request
      .then(function () {
        text.value = "";
        setStatus("");
      })
      .catch(function (err) {
        setStatus(err.message);
      })
      .then(function () {
        send.disabled = false;
      });
  }

  // ------------------------------------------------------------------ the socket

  function connect() {
    if (!state.session || state.socket || state.ended) return;
    var url = api.replace(/^http/, "ws") + "/" + encodeURIComponent(state.session.ticket_id) + "/live?token=" + encodeURIComponent(state.session.token);
    var ws = new WebSocket(url);
    state.socket = ws;
    ws.onopen = function () {
      state.backoff = 1000;
      setStatus("");
      state.pingTimer = setInterval(function () {
        if (ws.readyState === 1) ws.send('{"type":"ping"}');
      }, PING_MS);
    };
    ws.onmessage = function (event) {
      var m;
      try {
        m = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (m.type === "comment.created") {
        delete state.staffTyping[m.comment.author.id];
        showTyping();
        showMessage(m.comment);
      } else if (m.type === "typing" && m.user_id !== state.me) {
        if (m.is_typing) state.staffTyping[m.user_id] = true;
        else delete state.staffTyping[m.user_id];
        showTyping();
      } else if (m.type === "presence") {
        m.users.forEach(function (u) {
          state.names[u.id] = u.name;
        });
        showTyping();
      } else if (m.type === "ticket.updated" && m.ticket && FINISHED[m.ticket.status]) {
        end("This chat has ended.");
      }
    };
    ws.onclose = function (event) {
      clearInterval(state.pingTimer);
      state.socket = null;
      if (event.code === 4404 || event.code === 4401) return end("This chat has ended.");
      if (state.ended) return;
      setTimeout(connect, state.backoff);
      state.backoff = Math.min(MAX_BACKOFF_MS, state.backoff * 2);
    };
  }

  function closeSocket() {
    if (state.socket) {
      state.socket.onclose = null;
      state.socket.close();
      state.socket = null;
    }
    clearInterval(state.pingTimer);
  }

  function typing(on) {
    var ws = state.socket;
    clearTimeout(state.typingTimer);
    if (!ws || ws.readyState !== 1) return;
    var now = Date.now();
    if (on) {
      if (now - state.typingSent > TYPING_REFRESH_MS) {
        ws.send(JSON.stringify({ type: "typing", is_typing: true }));
        state.typingSent = now;
      }
      state.typingTimer = setTimeout(function () {
        typing(false);
      }, TYPING_IDLE_MS);
    } else if (state.typingSent) {
      ws.send(JSON.stringify({ type: "typing", is_typing: false }));
      state.typingSent = 0;
    }
  }

  // ------------------------------------------------------------------ wiring

  launcher.addEventListener("click", function () {
    toggle(panel.hidden);
  });
  closeButton.addEventListener("click", function () {
    toggle(false);
    launcher.focus();
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      toggle(false);
      launcher.focus();
    }
  });
  form.addEventListener("submit", submit);
  text.addEventListener("input", function () {
    typing(text.value.length > 0);
  });
  text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) submit(event);
  });
  restart.addEventListener("click", function () {
    save(null);
    state.ended = false;
    state.me = null;
    state.shown = {};
    while (log.lastChild && log.lastChild !== greeting) log.removeChild(log.lastChild);
    form.hidden = false;
    intro.hidden = false;
    restart.hidden = true;
    setStatus("");
    text.focus();
  });

  (document.body || document.documentElement).appendChild(host);
  if (state.session) intro.hidden = true;
  window.EdgedeskChat = {
    open: function () {
      toggle(true);
    },
    close: function () {
      toggle(false);
    },
  };
})();
