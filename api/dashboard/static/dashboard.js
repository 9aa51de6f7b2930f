// Cepheid dashboard: the state once, then live events from /dashboard/api/events
// (server-sent events read with fetch, so the token travels in a header, never a URL).
'use strict';
(function () {
  const KEY = 'cepheid-dashboard-token';
  const $ = (sel) => document.querySelector(sel);
  let token = null, buttons = [], servers = new Map(), selected = null, stream = null;
  // The timeline's load in flight (a counter), and the live entries that arrived meanwhile:
  // the load may have been read before them, so they are kept when it replaces the list.
  let timelineLoad = 0, arrivedWhileLoading = null;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === 'class') node.className = v; else if (v !== undefined) node.setAttribute(k, v);
    });
    children.forEach((c) => node.append(c === null || c === undefined ? '' : c));
    return node;
  }

  function api(method, path, body) {
    const headers = {'X-Auth-Token': token, 'OpenStack-API-Version': 'compute 2.73'};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(path, {method, headers, cache: 'no-store',
                        body: body === undefined ? undefined : JSON.stringify(body)});
  }

  async function faultMessage(resp) {
    try {
      const body = await resp.json();
      const inner = Object.values(body)[0];
      return inner.message || resp.statusText;
    } catch (e) { return resp.status + ' ' + resp.statusText; }
  }

  function showLogin(error) {
    $('#main').hidden = true; $('#logout').hidden = true; $('#login').hidden = false;
    $('#login-error').textContent = error || '';
  }

  async function login(ev) {
    ev.preventDefault();
    const form = Object.fromEntries(new FormData(ev.target).entries());
    const resp = await fetch('/dashboard/login', {method: 'POST', body: JSON.stringify(form),
      headers: {'Content-Type': 'application/json'}});
    ev.target.reset();
    if (!resp.ok) { showLogin(await faultMessage(resp)); return; }
    start((await resp.json()).token);
  }

  function logout() {
    sessionStorage.removeItem(KEY); token = null;
    if (stream) stream.abort();
    showLogin();
  }

  // -- the instances table ----------------------------------------------------------------
  function row(s) {
    const name = el('a', {'data-uuid': s.uuid}, s.name || s.uuid);
    name.addEventListener('click', () => selectServer(s.uuid));
    const actions = el('td', {class: 'actions'});
    buttons.forEach((b) => {
      const reason = s.buttons[b.name];
      const button = el('button', {'data-action': b.name, title: reason || b.label}, b.label);
      button.disabled = reason !== null;
      button.addEventListener('click', () => act(s, b));
      actions.append(button);
    });
    const locked = s.locked ? 'yes' + (s.locked_reason ? ' (' + s.locked_reason + ')' : '') : 'no';
    return el('tr', {id: 'row-' + s.uuid, 'data-uuid': s.uuid,
                     class: s.uuid === selected ? 'selected' : ''},
      el('td', {class: 'name'}, name),
      el('td', {class: 'status-cell'}, el('span', {class: 'status ' + s.status}, s.status)),
      el('td', {class: 'task-state'}, s.task_state || '—'),
      el('td', {class: 'power-state'}, s.power_state_name),
      el('td', {class: 'host'}, s.host || '—'),
      el('td', {class: 'locked'}, locked),
      actions);
  }

  // ``before``: what the page showed of this server (a snapshot passes it, having
  // emptied the table first).
  function upsert(s, before = servers.get(s.uuid)) {
    if (before && before.updated_at > s.updated_at) {   // an older state, late
      if (servers.has(s.uuid)) return;
      s = before;                                       // a snapshot behind the page
    }
    servers.set(s.uuid, s);
    // A task ended: its action events (kept in the database) join the timeline.
    if (s.uuid === selected && before && before.task_state !== null && s.task_state === null) {
      selectServer(s.uuid);
    }
    const fresh = row(s), old = document.getElementById('row-' + s.uuid);
    if (old) old.replaceWith(fresh); else $('#servers tbody').append(fresh);
  }

  function remove(uuid) {
    servers.delete(uuid);
    const old = document.getElementById('row-' + uuid);
    if (old) old.remove();
  }

  async function act(s, b) {
    let body = b.body;
    if (b.name === 'lock') {
      const reason = $('#lock-reason').value.trim();
      body = {lock: reason ? {locked_reason: reason} : null};
    }
    const resp = await api('POST', '/v2.1/servers/' + s.uuid + '/action', body);
    const msg = $('#message');
    msg.className = resp.ok ? '' : 'error';
    msg.textContent = resp.ok ? b.label + ' ' + (s.name || s.uuid) + ': accepted'
                              : b.label + ': ' + await faultMessage(resp);
  }

  // -- the timeline ---------------------------------------------------------------------
  function entryItem(e) {
    const time = (e.time || '').replace('T', ' ').replace(/\d{3}Z$/, '').slice(11);
    const detail = e.source === 'action' ? '' :
      'task_state ' + (e.task_state === null || e.task_state === undefined ? 'None' : e.task_state) +
      (e.vm_state ? ', ' + e.vm_state : '') + (e.power_state ? ', ' + e.power_state : '');
    return el('li', {'data-source': e.source},
      el('span', {class: 'time'}, time), el('span', {class: 'src ' + e.source}, e.source),
      el('span', {class: 'what'}, e.what === 'state' ? '' : e.what),
      el('span', {class: 'detail'}, detail));
  }

  // An entry's identity: its keys and values, whatever order they came in.
  const entryKey = (e) => JSON.stringify(Object.keys(e).sort().map((k) => [k, e[k]]));

  async function selectServer(uuid) {
    if (selected !== uuid || arrivedWhileLoading === null) arrivedWhileLoading = [];
    selected = uuid;
    const load = ++timelineLoad;
    document.querySelectorAll('#servers tr').forEach((tr) =>
      tr.classList.toggle('selected', tr.dataset.uuid === uuid));
    const s = servers.get(uuid);
    $('#timeline-name').textContent = s ? '— ' + (s.name || uuid) : '';
    const resp = await api('GET', '/dashboard/api/servers/' + uuid + '/timeline');
    const entries = resp.ok ? (await resp.json()).entries : null;
    if (load !== timelineLoad) return;              // a newer load replaces the list
    const arrived = arrivedWhileLoading;
    arrivedWhileLoading = null;
    if (entries === null || selected !== uuid) return;
    const loaded = new Set(entries.map(entryKey));
    arrived.forEach((e) => { if (!loaded.has(entryKey(e))) entries.push(e); });
    const list = $('#timeline');
    list.replaceChildren(...entries.map(entryItem));
    list.scrollTop = list.scrollHeight;
  }

  function addEntry(uuid, entry) {
    if (uuid !== selected) return;
    if (arrivedWhileLoading !== null) arrivedWhileLoading.push(entry);
    const list = $('#timeline');
    list.append(entryItem(entry));
    list.scrollTop = list.scrollHeight;
  }

  // -- hosts ----------------------------------------------------------------------------
  function showHosts(hosts) {
    if (!hosts) { $('#hosts-panel').hidden = true; return; }
    $('#hosts-panel').hidden = false;
    $('#hosts tbody').replaceChildren(...hosts.map((h) => el('tr', {'data-host': h.host},
      el('td', {}, h.host),
      el('td', {class: h.up ? 'up' : 'down'}, (h.up ? 'up' : 'down') + (h.disabled ? ' (disabled)' : '')),
      el('td', {}, String(h.instances)), el('td', {}, String(h.tasks_in_flight)),
      el('td', {class: 'queue-depth'}, h.queue_depth === null ? '–' : String(h.queue_depth)),
      el('td', {}, (h.last_seen_up || '').replace('T', ' ').slice(0, 19)))));
  }

  // -- the event stream -------------------------------------------------------------------
  function handle(event, data) {
    if (event === 'snapshot') {
      $('#servers').dataset.synced = 'true';   // the table now follows the stream
      // Read from the database, a snapshot may show a task's end before (or instead
      // of) that end's own event: compared with what the page showed, the ended task's
      // action events still join the timeline.
      const shown = servers;
      servers = new Map();
      $('#servers tbody').replaceChildren();
      data.forEach((s) => upsert(s, shown.get(s.uuid)));
    } else if (event === 'instance') upsert(data);
    else if (event === 'deleted') remove(data.uuid);
    else if (event === 'timeline') addEntry(data.uuid, data.entry);
    else if (event === 'hosts') showHosts(data);
  }

  function setLive(on) {
    const badge = $('#live');
    badge.textContent = on ? 'live' : 'offline';
    badge.className = 'badge ' + (on ? 'on' : 'off');
  }

  async function listen() {
    const controller = new AbortController();
    stream = controller;
    try {
      const resp = await fetch('/dashboard/api/events', {headers: {'X-Auth-Token': token},
        signal: controller.signal, cache: 'no-store'});
      if (!resp.ok) throw new Error(await faultMessage(resp));
      setLive(true);
      const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buffer += value;
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
          let event = 'message', data = '';
          block.split('\n').forEach((line) => {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          });
          if (data) handle(event, JSON.parse(data));
        }
      }
    } catch (e) {
      if (controller.signal.aborted) return;
    }
    setLive(false);
    if (stream === controller && token) setTimeout(() => reload(), 2000);
  }

  // -- start ----------------------------------------------------------------------------
  async function reload() {
    $('#servers').dataset.synced = 'false';
    const resp = await api('GET', '/dashboard/api/state');
    if (resp.status === 401) { logout(); showLogin('Token refused: log in again.'); return; }
    if (!resp.ok) { showLogin(await faultMessage(resp)); return; }
    const state = await resp.json();
    buttons = state.buttons;
    $('#who').textContent = state.me.user_id + ' @ ' + state.me.project_id +
      ' (' + state.me.roles.join(', ') + ')';
    $('#login').hidden = true; $('#main').hidden = false; $('#logout').hidden = false;
    $('#servers tbody').replaceChildren();
    servers = new Map();
    state.servers.forEach((s) => upsert(s));
    showHosts(state.hosts);
    if (selected) selectServer(selected);
    if (state.live) listen();   // else a snapshot: [api] dashboard_feed is off
  }

  function start(newToken) {
    token = newToken;
    sessionStorage.setItem(KEY, token);
    reload();
  }

  $('#login-form').addEventListener('submit', login);
  $('#logout').addEventListener('click', logout);
  const params = new URLSearchParams(location.search);
  if (params.has('token')) {
    // noauth2's direct link: keep the token, drop it from the address bar and history.
    sessionStorage.setItem(KEY, params.get('token'));
    history.replaceState(null, '', location.pathname);
  }
  const saved = sessionStorage.getItem(KEY);
  if (saved) start(saved); else showLogin();
}());
