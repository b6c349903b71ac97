// rtkv JavaScript client, served by every fanout node at /v1/client.js. An ES module for browsers
// and for Node 20+ (run with --experimental-websocket, or pass options.WebSocket).
//
//   import { subscribe } from 'http://127.0.0.1:8081/v1/client.js';
//   const demo = subscribe('ws://127.0.0.1:8081', 'demo', { key: 'rk....' });   // a key with subscribe on demo
//   demo.on('change', c => console.log(c.op, c.key, c.value));   // each change applied
//   demo.on('snapshot', state => render(state));                  // the whole table, after (re)sync
//   demo.on('status', s => console.log(s));  // connecting, live, reconnecting, resyncing, closed
//   demo.on('presence', n => show(n));       // how many subscribe to the table on this node
//   demo.get('a');                           // { value, version, expiresAt } or undefined
//
// The client keeps the table's state, sends heartbeats, notices a dead server within 30 s, reconnects
// with backoff and resumes from the last change it applied: the server replays exactly what was
// missed, or says resync and sends the table afresh. It never applies a change older than what it has.
// With options.conflate = MS (50 to 60000) the server sends each key's latest change at most once per
// MS, for a view that only shows the latest value of keys that change many times a second.
// Each table is served by the fanout node that owns its partition; any node sends the client there
// ('moved'), and the client follows at once, resuming from its token. Give it one address that reaches
// any node (a load balancer), so it can start over there when the node it was sent to is gone.

const HEARTBEAT_MS = 10_000;
const DEAD_AFTER_MS = 30_000;
const MAX_BACKOFF_MS = 10_000;
// How long a deleted key's version is remembered, to refuse a late change of it. Not forever: after the
// server drops a tombstone (a day by default) a key created again starts from version 1.
const REMEMBER_DELETES_MS = 60_000;
// Refusals that a retry cannot fix: a bad table name or conflate, a key that is wrong, revoked, expired or out of scope.
const FATAL = new Set(['invalid_table', 'invalid_request', 'unauthorized', 'forbidden']);
// Moves followed at once in a row; past this the usual backoff applies, so two nodes that disagree
// about who owns a table (for a moment, after a rebalance) are not asked in a tight loop.
const MAX_QUICK_MOVES = 5;

export function subscribe(url, table, options = {}) {
  const WS = options.WebSocket ?? globalThis.WebSocket;
  if (!WS) {
    throw new Error('rtkv: no WebSocket here; on Node 20 run with --experimental-websocket or pass options.WebSocket');
  }
  const base = String(url).replace(/^http/, 'ws').replace(/\/+$/, '');
  const state = new Map();
  // Versions of recently deleted keys, so a late change of one is never applied.
  const gone = new Map();
  const listeners = { change: [], snapshot: [], resync: [], status: [], error: [], presence: [] };
  let token = options.token ?? null;
  let status = 'connecting';
  let socket = null;
  let closed = false;
  let attempt = 0;
  let incoming = null;
  let heartbeat = null;
  let watchdog = null;
  let retry = null;
  let subscribers = null;
  // Where the next connection goes after a 'moved' frame naming a node; once, then back to base.
  let movedTo = null;
  let moving = false;
  let moves = 0;

  const emit = (event, value) => {
    for (const listener of listeners[event]) {
      try { listener(value); } catch (e) { console.error('rtkv listener failed', e); }
    }
  };
  const setStatus = (next) => {
    if (next !== status) { status = next; emit('status', next); }
  };

  function connect() {
    // A browser cannot set headers on a WebSocket, so the key travels as a query parameter. Give
    // browsers keys that may only subscribe (and read) what the page shows.
    const params = [];
    if (options.key) params.push(`key=${encodeURIComponent(options.key)}`);
    if (token) params.push(`resume=${encodeURIComponent(token)}`);
    if (options.conflate) params.push(`conflate=${encodeURIComponent(options.conflate)}`);
    const query = params.length ? `?${params.join('&')}` : '';
    incoming = null;
    const node = movedTo ?? base;
    movedTo = null;
    let current;
    try {
      current = new WS(`${node}/v1/tables/${encodeURIComponent(table)}/subscribe${query}`);
    } catch (e) {
      // An address the WebSocket refuses: wait, then try again at the base.
      socket = null;
      setStatus('reconnecting');
      retryLater();
      return;
    }
    socket = current;
    current.onopen = () => {
      heartbeat = setInterval(() => send(current, { type: 'heartbeat' }), HEARTBEAT_MS);
      awake(current);
    };
    current.onmessage = (message) => {
      if (current !== socket) return;
      awake(current);
      let frame;
      try { frame = JSON.parse(message.data); } catch { return; }
      handle(frame);
    };
    current.onclose = () => lost(current);
    current.onerror = () => {};
  }

  // The connection is gone: noticed by its close, or by silence (a half-open socket may take minutes
  // to report its close, so silence does not wait for it).
  function lost(current) {
    if (current !== socket) return;
    socket = null;
    stopTimers();
    if (closed) { setStatus('closed'); return; }
    setStatus('reconnecting');
    if (moving && moves < MAX_QUICK_MOVES) {
      moving = false;
      moves++;
      retry = setTimeout(connect, 0);
      return;
    }
    moving = false;
    retryLater();
  }

  function retryLater() {
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt++;
    retry = setTimeout(connect, delay);
  }

  function send(target, frame) {
    if (target.readyState === 1) target.send(JSON.stringify(frame));
  }

  // A server that sends nothing, not even heartbeats, for 30 s is gone: drop it and reconnect.
  function awake(current) {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => { current.close(); lost(current); }, DEAD_AFTER_MS);
  }

  function stopTimers() {
    clearInterval(heartbeat);
    clearTimeout(watchdog);
  }

  function handle(frame) {
    switch (frame.type) {
      case 'snapshot':
        incoming ??= new Map();
        for (const e of frame.entries) {
          incoming.set(e.key, { value: e.value, version: e.version, expiresAt: e.expiresAt });
        }
        if (frame.last) {
          state.clear();
          gone.clear();
          for (const [key, entry] of incoming) state.set(key, entry);
          incoming = null;
          token = frame.token;
          attempt = 0;
          moves = 0;
          setStatus('live');
          emit('snapshot', state);
        }
        break;
      case 'resumed':
        attempt = 0;
        moves = 0;
        setStatus('live');
        break;
      case 'moved':
        // Another node serves the table: go there (or, with no node named, back to base) and resume.
        movedTo = typeof frame.node === 'string' && /^wss?:\/\/[^/?#\s]+\/?$/.test(frame.node)
          ? frame.node.replace(/\/+$/, '') : null;
        moving = true;
        break;
      case 'change':
        apply(frame);
        token = frame.token;
        break;
      case 'resync':
        token = null;
        incoming = null;
        setStatus('resyncing');
        emit('resync', frame.reason);
        break;
      case 'presence':
        subscribers = frame.subscribers;
        emit('presence', subscribers);
        break;
      case 'error':
        emit('error', frame);
        if (FATAL.has(frame.error)) {
          closed = true;
          socket?.close();
          setStatus('closed');
        }
        break;
      default:
        break;
    }
  }

  function apply(change) {
    const now = Date.now();
    const deleted = gone.get(change.key);
    const held = state.get(change.key)?.version
      ?? (deleted && now - deleted.at < REMEMBER_DELETES_MS ? deleted.version : 0);
    if (change.version <= held) return;
    if (change.op === 'put') {
      state.set(change.key, { value: change.value, version: change.version, expiresAt: change.expiresAt });
      gone.delete(change.key);
    } else {
      state.delete(change.key);
      gone.set(change.key, { version: change.version, at: now });
    }
    emit('change', change);
  }

  connect();

  return {
    /** The live entry of a key, or undefined; an expired key is gone even before its expire arrives. */
    get(key) {
      const entry = state.get(key);
      return entry && (entry.expiresAt == null || entry.expiresAt > Date.now()) ? entry : undefined;
    },
    /** [key, entry] of every live key, in key order. */
    entries() {
      const now = Date.now();
      return [...state].filter(([, e]) => e.expiresAt == null || e.expiresAt > now)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    },
    on(event, listener) {
      if (!listeners[event]) throw new Error(`rtkv: no event ${event}`);
      listeners[event].push(listener);
      return this;
    },
    get status() { return status; },
    /** How many subscribe to the table on the node this client is connected to; null until told. */
    get subscribers() { return subscribers; },
    /** The resume token of the last change applied; pass it as options.token to pick up later. */
    get token() { return token; },
    /** Drops the connection as a network failure would; the client reconnects and resumes. */
    reconnect() { const current = socket; current?.close(); if (current) lost(current); },
    close() {
      closed = true;
      clearTimeout(retry);
      stopTimers();
      const current = socket;
      socket = null;
      current?.close();
      setStatus('closed');
    },
  };
}
