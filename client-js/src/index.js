// rtkv's JavaScript SDK: the HTTP API's reads and writes, and live subscriptions that share one
// /v1/stream connection per fanout node. An ES module for browsers and Node 20+ (on Node 20 run with
// --experimental-websocket, or pass { WebSocket }).
//
//   import { createClient } from 'rtkv-client';
//   const rtkv = createClient({ api: 'http://127.0.0.1:8080', fanout: 'ws://127.0.0.1:8081', key });
//   const scores = rtkv.table('scores');
//   await scores.put('ann', { points: 10 });
//   const live = scores.subscribe({ prefix: 'a' }).on('change', (c) => console.log(c.key, c.value));
//
// subscribe(url, table, { key }) is the same live copy of one table without a client of one's own.
import { RtkvError } from './errors.js';
import { checkTtl, requireKey, Requests, segment, writeHeaders } from './http.js';
import { Streams } from './stream.js';
import { Subscription } from './subscription.js';

export { RtkvError };

const NODE = /^wss?:\/\/[^/?#\s]+\/?$/;
const API = /^https?:\/\/[^/?#\s]+\/?$/;

/**
 * A client of one rtkv cluster. api: api-service's address (for reads and writes); fanout: an address
 * that reaches any fanout node (for subscriptions); key: the API key. Every bad option is listed at once.
 */
export function createClient({
  api, fanout, key, fetch = globalThis.fetch, WebSocket = globalThis.WebSocket, retries = 2, timeoutMs = 10_000,
  heartbeatMs = 10_000, deadAfterMs = 30_000,
} = {}) {
  const problems = [];
  if (api == null && fanout == null) problems.push('neither api nor fanout is set: the client could do nothing');
  if (api != null && !API.test(api)) problems.push(`api is http://HOST:PORT or https://HOST:PORT, not ${api}`);
  if (fanout != null && !NODE.test(fanout)) problems.push(`fanout is ws://HOST:PORT or wss://HOST:PORT, not ${fanout}`);
  if (api != null && typeof fetch !== 'function') problems.push('there is no fetch here: pass { fetch }');
  if (fanout != null && typeof WebSocket !== 'function') {
    problems.push('there is no WebSocket here: on Node 20 run with --experimental-websocket, or pass { WebSocket }');
  }
  if (!Number.isSafeInteger(retries) || retries < 0) problems.push(`retries is 0 or more, not ${retries}`);
  for (const [name, value] of [['timeoutMs', timeoutMs], ['heartbeatMs', heartbeatMs], ['deadAfterMs', deadAfterMs]]) {
    if (!(value > 0)) problems.push(`${name} is a positive number of milliseconds, not ${value}`);
  }
  // A node heartbeats every 10 s and closes a connection it has not heard from for 30 s.
  if (heartbeatMs >= 30_000) problems.push(`heartbeatMs is under 30000, or the node closes the connection; not ${heartbeatMs}`);
  if (deadAfterMs <= 10_000) problems.push(`deadAfterMs is over the node's heartbeat interval (10000); not ${deadAfterMs}`);
  if (problems.length) throw new TypeError(`rtkv: ${problems.join('; ')}`);

  const requests = api == null ? null : new Requests({ api: api.replace(/\/+$/, ''), key, fetch, retries, timeoutMs });
  const streams = fanout == null ? null : new Streams({ key, WebSocket, heartbeatMs, deadAfterMs });
  const base = fanout?.replace(/\/+$/, '');
  const open = new Set();

  let closed = false;
  const http = () => {
    if (closed) throw new Error('rtkv: the client is closed');
    if (!requests) throw new Error('rtkv: reads and writes need the client\'s api address');
    return requests;
  };

  function table(name) {
    if (typeof name !== 'string' || name === '') throw new TypeError('rtkv: a table name is a non-empty string');
    const path = `/v1/tables/${segment(name)}`;
    const keyPath = (k) => `${path}/keys/${segment(requireKey(k))}`;
    const read = (p, missingIsNull) => http().send({ method: 'GET', path: p, idempotent: true }, missingIsNull);
    const write = (method, p, body, options, missingIsNull = false) => http().send({
      method, path: p, body: body === undefined ? undefined : JSON.stringify(body), headers: writeHeaders(options),
      idempotent: options?.idempotencyKey != null, keepalive: options?.keepalive === true,
    }, missingIsNull);
    return {
      name,
      /** { key, value, version, expiresAt }, or null when there is no such key. */
      get: async (k) => read(keyPath(k), true),
      /**
       * options: ifVersion, ifAbsent, ttl (seconds), idempotencyKey, and keepalive (a browser still sends it
       * while the page goes away). Answers { key, version, expiresAt }.
       */
      async put(k, value, options = {}) {
        const ttl = checkTtl(options.ttl);
        if (value === undefined) throw new TypeError('rtkv: a value is any JSON value, not undefined');
        return write('PUT', keyPath(k) + (ttl == null ? '' : `?ttl=${ttl}`), value, { ...options, ttl: undefined });
      },
      /** options: ifVersion, idempotencyKey. Answers { key, version }, or null when there was no such key. */
      delete: async (k, options = {}) => write('DELETE', keyPath(k), undefined, { ...options, ifAbsent: undefined }, true),
      /** Adds by (default 1) to an integer value atomically; answers the new { key, value, version, expiresAt }. */
      incr: async (k, by = 1, options = {}) => write('POST', `${keyPath(k)}/incr`, { by },
        { idempotencyKey: options.idempotencyKey, keepalive: options.keepalive }),
      /** Sets the time to live in seconds, or clears it with null. */
      ttl: async (k, seconds, options = {}) => write('PUT', `${keyPath(k)}/ttl`, { ttl: checkTtl(seconds) ?? null },
        { idempotencyKey: options.idempotencyKey }),
      /** A page of live keys in key order: { keys: [...], next }; pass next as after until it is null. */
      async list({ prefix, after, limit = 100 } = {}) {
        if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new TypeError(`rtkv: limit is 1 to 1000, not ${limit}`);
        const query = [`limit=${limit}`];
        if (prefix != null) query.push(`prefix=${segment(prefix)}`);
        if (after != null) query.push(`after=${segment(after)}`);
        return read(`${path}/keys?${query.join('&')}`, false);
      },
      /**
       * All or nothing: ops are { op: 'put', key, value, ttl?, ifVersion?, ifAbsent? }, { op: 'delete', key,
       * ifVersion? } and { op: 'incr', key, by? }. Answers the results in order; a failure names its operation.
       */
      async batch(ops, options = {}) {
        if (!Array.isArray(ops) || ops.length === 0) throw new TypeError('rtkv: a batch is a non-empty array of operations');
        const answer = await write('POST', `${path}/batch`, { ops: ops.map(batchOp) }, { idempotencyKey: options.idempotencyKey });
        return answer.results;
      },
      /** A live copy of the table (or of { only: key } or { prefix }), resuming from { token } if given. */
      subscribe(options = {}) {
        if (closed) throw new Error('rtkv: the client is closed');
        if (!streams) throw new Error('rtkv: subscriptions need the client\'s fanout address');
        const subscription = new Subscription(streams, base, name, options, (s) => open.delete(s));
        open.add(subscription);
        return subscription;
      },
    };
  }

  return {
    table,
    /** How many /v1/stream connections are open or opening: one per node the subscriptions need. */
    get connections() { return streams?.connections ?? 0; },
    /** Closes every subscription and connection. */
    close() {
      closed = true;
      for (const subscription of [...open]) subscription.close();
      streams?.close();
    },
  };
}

/**
 * One table's live copy without a client of your own, as the fanout node's /v1/client.js has long offered:
 * url reaches any fanout node (ws:// or http://); options are key, token, conflate, only, prefix and
 * WebSocket. Closing the subscription closes its connection.
 */
export function subscribe(url, table, { key, WebSocket, ...options } = {}) {
  const fanout = String(url).replace(/^http/, 'ws').replace(/\/+$/, '');
  const client = createClient({ fanout, key, ...(WebSocket ? { WebSocket } : {}) });
  const subscription = client.table(table).subscribe(options);
  subscription.on('status', (status) => { if (status === 'closed') client.close(); });
  return subscription;
}

function batchOp({ op, key, value, ttl, ifVersion, ifAbsent, by }) {
  requireKey(key);
  const headers = writeHeaders({ ifVersion, ifAbsent });
  const out = { op, key };
  if (op === 'put') {
    if (value === undefined) throw new TypeError(`rtkv: put ${key} has no value`);
    out.value = value;
    if (checkTtl(ttl) != null) out.ttl = ttl;
    if (ifAbsent) out.ifNoneMatch = '*';
  } else if (op === 'incr') {
    if (by !== undefined) out.by = by;
    return out;
  } else if (op !== 'delete') {
    throw new TypeError(`rtkv: a batch operation is put, delete or incr, not ${op}`);
  }
  if (headers['If-Match']) out.ifMatch = ifVersion;
  return out;
}
