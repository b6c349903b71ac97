// The /v1/stream connections of one client: one per fanout node its subscriptions need, opened on the
// first subscription there and closed a moment after the last one ends. A second connection to a node
// opens only when the node says the first carries as many subscriptions as it allows.

const LINGER_MS = 2_000;

export class Streams {
  constructor({ key, WebSocket, heartbeatMs, deadAfterMs }) {
    this.key = key;
    this.WebSocket = WebSocket;
    this.heartbeatMs = heartbeatMs;
    this.deadAfterMs = deadAfterMs;
    this.byNode = new Map();
    this.closed = false;
  }

  /** Subscribes on a connection to node; frames and, once, the end go to sink. Answers { drop, close }. */
  open(request, sink) {
    if (this.closed) throw new Error('rtkv: the client is closed');
    for (;;) {
      const connection = this.connectionTo(request.node);
      const attempt = connection.attach(request, sink);
      if (attempt) return attempt;
      this.forget(connection);
    }
  }

  connectionTo(node) {
    const connections = this.byNode.get(node) ?? [];
    this.byNode.set(node, connections);
    const usable = connections.find((c) => c.takes());
    if (usable) return usable;
    const connection = new Connection(this, node);
    connections.push(connection);
    return connection;
  }

  forget(connection) {
    const connections = this.byNode.get(connection.node);
    if (!connections || !connection.over) return;
    const at = connections.indexOf(connection);
    if (at >= 0) connections.splice(at, 1);
    if (connections.length === 0) this.byNode.delete(connection.node);
  }

  get connections() {
    let n = 0;
    for (const list of this.byNode.values()) n += list.length;
    return n;
  }

  close() {
    this.closed = true;
    for (const list of [...this.byNode.values()]) for (const c of [...list]) c.close();
    this.byNode.clear();
  }
}

// One connection. Each subscription on it has an id of its own, never reused, so a frame that arrives
// after its subscription ended finds nobody. A 'moved' or an 'error' with an id ends that subscription
// alone; the end of the connection ends them all. Heartbeats and the watchdog are the connection's.
class Connection {
  constructor(streams, node) {
    this.streams = streams;
    this.node = node;
    this.attached = new Map();
    this.lastId = 0;
    this.over = false;
    this.full = false;
    this.waiting = [];
    // A browser cannot set headers on a WebSocket: the key goes in the query. Give browsers keys
    // that may only subscribe to (and read) what the page shows.
    const query = streams.key ? `?key=${encodeURIComponent(streams.key)}` : '';
    this.ws = new streams.WebSocket(`${node}/v1/stream${query}`);
    this.ws.onopen = () => {
      if (this.over) return;
      for (const message of this.waiting) this.ws.send(message);
      this.waiting = [];
      this.heartbeat = setInterval(() => this.send({ type: 'heartbeat' }), streams.heartbeatMs);
      this.awake();
    };
    this.ws.onmessage = (message) => this.received(message.data);
    this.ws.onclose = () => this.lost();
    this.ws.onerror = () => {};
    // From the start: a node that takes the connection but never answers its upgrade is as dead as a silent one.
    this.awake();
  }

  takes() {
    return !this.over && !this.full;
  }

  attach(request, sink) {
    if (!this.takes()) return null;
    clearTimeout(this.lingering);
    this.lingering = null;
    const id = `s${++this.lastId}`;
    // A subscribe the node does not answer (it leaves answers out while this connection is far behind in
    // reading) would otherwise wait for ever on a connection that is alive.
    const unanswered = setTimeout(() => {
      if (this.attached.get(id)?.sink !== sink || this.over) return;
      this.attached.delete(id);
      this.send({ type: 'unsubscribe', id });
      this.lingerIfEmpty();
      sink.ended();
    }, this.streams.deadAfterMs);
    this.attached.set(id, { sink, unanswered });
    const message = { type: 'subscribe', id, table: request.table };
    if (request.only != null) message.only = request.only;
    if (request.prefix != null) message.prefix = request.prefix;
    if (request.token != null) message.resume = request.token;
    if (request.conflate) message.conflate = request.conflate;
    this.send(message);
    return { drop: () => this.lost(), close: () => this.detach(id) };
  }

  detach(id) {
    const gone = this.attached.get(id);
    if (!gone || this.over) return;
    clearTimeout(gone.unanswered);
    this.attached.delete(id);
    this.full = false;
    this.send({ type: 'unsubscribe', id });
    this.lingerIfEmpty();
  }

  lingerIfEmpty() {
    if (this.attached.size === 0 && !this.lingering) {
      this.lingering = setTimeout(() => {
        this.lingering = null;
        if (this.attached.size === 0) this.close();
      }, LINGER_MS);
    }
  }

  send(message) {
    const text = JSON.stringify(message);
    if (this.ws.readyState === 0) this.waiting.push(text);
    else if (this.ws.readyState === 1) this.ws.send(text);
  }

  // A node that sends nothing, not even heartbeats, for deadAfterMs is gone (a half-open socket may take
  // minutes to report its close, so silence does not wait for it).
  awake() {
    clearTimeout(this.watchdog);
    if (!this.over) this.watchdog = setTimeout(() => this.lost(), this.streams.deadAfterMs);
  }

  received(text) {
    this.awake();
    let frame;
    try { frame = JSON.parse(text); } catch { return; }
    if (frame.id == null) {
      // The connection's key was revoked or has expired: every subscription on it hears it.
      if (frame.type === 'error' && frame.error === 'unauthorized') for (const { sink } of [...this.attached.values()]) sink.frame(frame);
      return;
    }
    const to = this.attached.get(frame.id);
    if (!to) return;
    clearTimeout(to.unanswered);
    const { sink } = to;
    const ends = frame.type === 'moved' || frame.type === 'error';
    if (ends) {
      this.attached.delete(frame.id);
      // A refused subscribe took no place; any other end gave one back.
      this.full = frame.error === 'too_many_subscriptions';
      this.lingerIfEmpty();
    }
    sink.frame(frame);
    if (ends) sink.ended();
  }

  /** The connection is gone: every subscription on it is told once, and it is handed out no more. */
  lost() {
    if (this.over) return;
    const sinks = [...this.attached.values()].map(({ sink }) => sink);
    this.end();
    this.streams.forget(this);
    for (const sink of sinks) sink.ended();
  }

  close() {
    if (this.over) return;
    this.end();
    this.streams.forget(this);
  }

  end() {
    this.over = true;
    for (const { unanswered } of this.attached.values()) clearTimeout(unanswered);
    this.attached.clear();
    clearInterval(this.heartbeat);
    clearTimeout(this.watchdog);
    clearTimeout(this.lingering);
    try { this.ws.close(); } catch { /* closing already */ }
  }
}
