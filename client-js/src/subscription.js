// A live copy of one table, or of one key or the keys under a prefix. It subscribes at the client's
// fanout address, applies the snapshot and every change after it, follows 'moved' to the node that
// serves the table, and after a lost connection subscribes again with backoff and jitter from the last
// change it applied: the server replays exactly what was missed, or says resync and sends it afresh.
// It never applies a change older than what it holds.
import { FATAL } from './errors.js';

const MAX_BACKOFF_MS = 10_000;
// How long a deleted key's version is remembered, to refuse a late change of it. Not forever: after the
// server drops a tombstone (a day by default) a key created again starts from version 1.
const REMEMBER_DELETES_MS = 60_000;
// Moves followed at once in a row; past this the usual backoff applies, so two nodes that disagree
// about who owns a table (for a moment, after a rebalance) are not asked in a tight loop.
const MAX_QUICK_MOVES = 5;
const NODE = /^wss?:\/\/[^/?#\s]+\/?$/;
// The server's limit on a key, RTKV_MAX_KEY_BYTES by default.
const MAX_KEY_BYTES = 512;
const EVENTS = ['change', 'snapshot', 'resync', 'status', 'error', 'presence', 'frame'];

export class Subscription {
  constructor(streams, base, table, { only, prefix, conflate, token } = {}, onClose = () => {}) {
    if (only != null && prefix != null) throw new TypeError('rtkv: a subscription watches one key (only) or a prefix, not both');
    for (const [name, value] of [['only', only], ['prefix', prefix]]) {
      if (value != null && (typeof value !== 'string' || value === '' || value.includes('\0')
        || new TextEncoder().encode(value).length > MAX_KEY_BYTES)) {
        throw new TypeError(`rtkv: ${name} is a key or the beginning of one: 1 to ${MAX_KEY_BYTES} bytes of UTF-8 without NUL`);
      }
    }
    if (conflate && (!Number.isSafeInteger(conflate) || conflate < 50 || conflate > 60_000)) {
      throw new TypeError(`rtkv: conflate is 0 or 50 to 60000 milliseconds, not ${conflate}`);
    }
    this.streams = streams;
    this.base = base;
    this.table = table;
    this.options = { only, prefix, conflate };
    this.onClose = onClose;
    this.state = new Map();
    this.gone = new Map();
    this.incoming = null;
    this.listeners = Object.fromEntries(EVENTS.map((e) => [e, []]));
    this._token = token ?? null;
    this._status = 'connecting';
    this._subscribers = null;
    this.closed = false;
    this.attempts = 0;
    this.movedTo = null;
    this.moving = false;
    this.moves = 0;
    this.generation = 0;
    this.current = null;
    queueMicrotask(() => this.connect());
  }

  /** The live entry of a key ({ value, version, expiresAt }), or undefined; an expired key is gone at once. */
  get(key) {
    const entry = this.state.get(key);
    return entry && (entry.expiresAt == null || entry.expiresAt > Date.now()) ? entry : undefined;
  }

  /** [key, entry] of every live key, in key order. */
  entries() {
    const now = Date.now();
    return [...this.state].filter(([, e]) => e.expiresAt == null || e.expiresAt > now)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** change, snapshot, resync, status, presence, error, and frame (each frame as received). */
  on(event, listener) {
    if (!this.listeners[event]) throw new Error(`rtkv: no event ${event}`);
    this.listeners[event].push(listener);
    return this;
  }

  /** connecting, live, reconnecting, resyncing or closed. */
  get status() { return this._status; }

  /** How many subscribe to the table on the node that serves it; null until told. */
  get subscribers() { return this._subscribers; }

  /** The resume token of the last change applied: pass it as { token } to pick up later. */
  get token() { return this._token; }

  /** Drops the connection as a network failure would (every subscription on it resumes). */
  reconnect() { this.current?.drop(); }

  close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retry);
    const attempt = this.current;
    this.current = null;
    attempt?.close();
    this.setStatus('closed');
    this.onClose(this);
  }

  connect() {
    if (this.closed) return;
    const generation = ++this.generation;
    this.incoming = null;
    const node = this.movedTo ?? this.base;
    this.node = node;
    this.movedTo = null;
    const sink = {
      frame: (frame) => { if (generation === this.generation && !this.closed) this.handle(frame); },
      ended: () => this.lost(generation),
    };
    try {
      this.current = this.streams.open({ node, table: this.table, token: this._token, ...this.options }, sink);
    } catch (e) {
      if (this.streams.closed) { this.close(); return; }
      // An address the WebSocket refuses: wait, then try again at the base.
      this.lost(generation);
    }
  }

  lost(generation) {
    if (this.closed || generation !== this.generation) return;
    this.generation++;
    this.current = null;
    this.setStatus('reconnecting');
    if (this.closed) return; // a status listener closed it
    let delay = 0;
    if (this.moving && this.moves < MAX_QUICK_MOVES) {
      this.moves++;
    } else {
      delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.attempts, 10)) * (0.5 + Math.random() / 2);
      this.attempts++;
    }
    this.moving = false;
    this.retry = setTimeout(() => this.connect(), delay);
  }

  handle(frame) {
    this.emit('frame', frame);
    switch (frame.type) {
      case 'snapshot':
        this.incoming ??= new Map();
        for (const e of frame.entries) this.incoming.set(e.key, { value: e.value, version: e.version, expiresAt: e.expiresAt });
        if (frame.last) {
          this.state = this.incoming;
          this.gone.clear();
          this.incoming = null;
          this._token = frame.token;
          this.live();
          this.emit('snapshot', new Map(this.state));
        }
        break;
      case 'resumed':
        this.live();
        break;
      case 'moved':
        // Another node serves the table: go there (or, with no node named, back to base) and resume.
        this.movedTo = typeof frame.node === 'string' && NODE.test(frame.node) ? frame.node.replace(/\/+$/, '') : null;
        this.moving = true;
        break;
      case 'change':
        this.apply(frame);
        this._token = frame.token;
        break;
      case 'resync':
        this._token = null;
        this.incoming = null;
        this.setStatus('resyncing');
        this.emit('resync', frame.reason);
        break;
      case 'presence':
        this._subscribers = frame.subscribers;
        this.emit('presence', frame.subscribers);
        break;
      case 'error':
        if (frame.error === 'too_many_subscriptions') {
          // The client's affair, not the app's: at once, on another connection to the same node.
          this.movedTo = this.node;
          this.moving = true;
          break;
        }
        this.emit('error', frame);
        if (FATAL.has(frame.error)) this.close();
        break;
      default:
        break;
    }
  }

  live() {
    this.attempts = 0;
    this.moves = 0;
    this.setStatus('live');
  }

  apply(change) {
    const now = Date.now();
    const deleted = this.gone.get(change.key);
    const held = this.state.get(change.key)?.version
      ?? (deleted && now - deleted.at < REMEMBER_DELETES_MS ? deleted.version : 0);
    if (change.version <= held) return;
    if (change.op === 'put') {
      this.state.set(change.key, { value: change.value, version: change.version, expiresAt: change.expiresAt });
      this.gone.delete(change.key);
    } else {
      this.state.delete(change.key);
      this.gone.set(change.key, { version: change.version, at: now });
    }
    this.emit('change', change);
  }

  emit(event, value) {
    for (const listener of this.listeners[event]) {
      try { listener(value); } catch (e) { console.error('rtkv listener failed', e); }
    }
  }

  setStatus(next) {
    if (next !== this._status) { this._status = next; this.emit('status', next); }
  }
}
