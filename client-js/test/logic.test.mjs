// The SDK's logic alone: what it refuses before sending, what it retries, how a stream routes frames.
// A fake fetch and a fake WebSocket stand in for the network; the real cluster is JsSdkIT's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, RtkvError, subscribe } from '../src/index.js';

const answer = (status, body, headers = {}) => new Response(JSON.stringify(body), { status, headers });

test('every bad option is listed at once', () => {
  assert.throws(() => createClient({ api: 'ftp://x', fanout: 'http://y', retries: -1, timeoutMs: 0 }),
    (e) => ['api', 'fanout', 'retries', 'timeoutMs'].every((name) => e.message.includes(name)));
  assert.throws(() => createClient({}), /could do nothing/);
});

test('bad writes are refused before anything is sent', async () => {
  let sent = 0;
  const rtkv = createClient({ api: 'http://rtkv', fetch: async () => { sent++; return answer(200, {}); } });
  const t = rtkv.table('t');
  await assert.rejects(t.put('k', 1, { ifVersion: 1, ifAbsent: true }), /not both/);
  await assert.rejects(t.put('k', 1, { ttl: 1.5 }), /ttl/);
  await assert.rejects(t.put('', 1), /key/);
  await assert.rejects(t.put('k', undefined), /undefined/);
  await assert.rejects(t.put('k', 1, { idempotencyKey: 'has space' }), /idempotency/);
  await assert.rejects(t.batch([]), /non-empty/);
  await assert.rejects(t.batch([{ op: 'upsert', key: 'k' }]), /put, delete or incr/);
  await assert.rejects(t.list({ limit: 1001 }), /limit/);
  assert.throws(() => t.subscribe(), /fanout/);
  assert.throws(() => createClient({ fanout: 'ws://a:1', WebSocket: class {} }).table('t').subscribe({ only: 'é'.repeat(257) }),
    /512 bytes/);
  rtkv.close();
  await assert.rejects(t.get('k'), /closed/);
  assert.equal(sent, 0);
});

test('a batch is sent as the API spells it, keys and tables percent-encoded', async () => {
  const calls = [];
  const rtkv = createClient({ api: 'http://rtkv/', key: 'k1', fetch: async (url, init) => {
    calls.push({ url, init });
    return answer(200, { results: [] });
  } });
  await rtkv.table('a.b').batch([{ op: 'put', key: 'x/y', value: { n: 1 }, ttl: 5, ifAbsent: true },
    { op: 'delete', key: 'z', ifVersion: 3 }, { op: 'incr', key: 'n', by: -2 }], { idempotencyKey: 'b-1' });
  assert.equal(calls[0].url, 'http://rtkv/v1/tables/a.b/batch');
  assert.deepEqual(JSON.parse(calls[0].init.body), { ops: [
    { op: 'put', key: 'x/y', value: { n: 1 }, ttl: 5, ifNoneMatch: '*' },
    { op: 'delete', key: 'z', ifMatch: 3 }, { op: 'incr', key: 'n', by: -2 }] });
  assert.equal(calls[0].init.headers['Idempotency-Key'], 'b-1');
  assert.equal(calls[0].init.headers.Authorization, 'Bearer k1');
  await rtkv.table('t').get('a/b c');
  assert.equal(calls[1].url, 'http://rtkv/v1/tables/t/keys/a%2Fb%20c');
});

test('a refusal is an RtkvError with the API\'s code; a 404 read is null', async () => {
  const rtkv = createClient({ api: 'http://rtkv', fetch: async (url) => {
    if (url.endsWith('/nobody')) return answer(404, { error: 'not_found', message: 'no key' });
    if (url.endsWith('/proxy')) return new Response('no such route', { status: 404 });
    return answer(412, { error: 'version_mismatch', message: 'at 2', currentVersion: 2 });
  } });
  assert.equal(await rtkv.table('t').get('nobody'), null);
  await assert.rejects(rtkv.table('t').get('proxy'), (e) => e.code === 'http_404', 'a 404 that is not the key\'s');
  await assert.rejects(rtkv.table('t').put('k', 1, { ifVersion: 1 }), (e) => e instanceof RtkvError
    && e.code === 'version_mismatch' && e.isConflict && e.currentVersion === 2 && e.status === 412);
});

test('only what cannot apply a write twice is retried', async () => {
  const flaky = (failures, status) => {
    let calls = 0;
    const fetch = async () => {
      calls++;
      if (calls > failures) return answer(200, { key: 'k', version: 1, expiresAt: null });
      if (status === 0) throw new TypeError('fetch failed');
      return answer(status, { error: 'x', message: 'x' }, { 'Retry-After': '0' });
    };
    return { fetch, calls: () => calls };
  };
  for (const [status, idempotencyKey, retried] of [[429, undefined, true], [503, undefined, false], [503, 'i-1', true],
    [0, undefined, false], [0, 'i-2', true]]) {
    const net = flaky(1, status);
    const t = createClient({ api: 'http://rtkv', fetch: net.fetch }).table('t');
    const put = t.put('k', 1, { idempotencyKey });
    if (retried) await put; else await assert.rejects(put, RtkvError);
    assert.equal(net.calls(), retried ? 2 : 1, `status ${status}, idempotency key ${idempotencyKey}`);
  }
  const reads = flaky(2, 503);
  await createClient({ api: 'http://rtkv', fetch: reads.fetch }).table('t').get('k');
  assert.equal(reads.calls(), 3, 'a read is retried');
});

/** A WebSocket that records what it is sent and lets the test play the node. */
class FakeSocket {
  static all = [];
  constructor(url) { this.url = url; this.sent = []; this.readyState = 0; FakeSocket.all.push(this); }
  send(text) { this.sent.push(JSON.parse(text)); }
  close() { if (this.readyState < 2) { this.readyState = 3; this.onclose?.(); } }
  open() { this.readyState = 1; this.onopen(); }
  frame(frame) { this.onmessage({ data: JSON.stringify(frame) }); }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Waits until condition() holds, checking every 10 ms, for at most 5 s. */
async function until(alias, condition) {
  for (const started = Date.now(); !condition();) {
    assert.ok(Date.now() - started < 5_000, `waited 5 s for ${alias}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('subscriptions share a connection per node, follow moved on their own, and resume after a loss', async () => {
  FakeSocket.all = [];
  const rtkv = createClient({ fanout: 'ws://a:1', key: 'k 1', WebSocket: FakeSocket });
  const one = rtkv.table('one').subscribe();
  const two = rtkv.table('two').subscribe({ prefix: 'p' });
  await tick();
  assert.equal(FakeSocket.all.length, 1);
  const a = FakeSocket.all[0];
  assert.equal(a.url, 'ws://a:1/v1/stream?key=k%201');
  a.open();
  assert.deepEqual(a.sent, [{ type: 'subscribe', id: 's1', table: 'one' },
    { type: 'subscribe', id: 's2', table: 'two', prefix: 'p' }]);
  a.frame({ id: 's1', type: 'snapshot', entries: [{ key: 'x', value: 1, version: 1, expiresAt: null }], last: true, token: 't1' });
  a.frame({ id: 's2', type: 'moved', node: 'ws://b:1', message: 'elsewhere' });
  a.frame({ id: 's2', type: 'change', op: 'put', key: 'p1', value: 1, version: 9, expiresAt: null, token: 'late' });
  assert.equal(one.status, 'live');
  assert.equal(two.entries().length, 0, 'a frame after moved belongs to nobody');
  await until('a connection to the node it was moved to', () => FakeSocket.all.length === 2);
  const b = FakeSocket.all[1];
  assert.equal(b.url, 'ws://b:1/v1/stream?key=k%201');
  b.open();
  assert.deepEqual(b.sent, [{ type: 'subscribe', id: 's1', table: 'two', prefix: 'p' }]);
  assert.equal(rtkv.connections, 2);

  a.close(); // the node went away: 'one' subscribes again from its token, after a backoff
  assert.equal(one.status, 'reconnecting');
  await until('a new connection after the backoff', () => FakeSocket.all.length === 3);
  const again = FakeSocket.all[2];
  assert.equal(again.url, 'ws://a:1/v1/stream?key=k%201');
  again.open();
  assert.deepEqual(again.sent, [{ type: 'subscribe', id: 's1', table: 'one', resume: 't1' }]);

  b.frame({ type: 'error', error: 'unauthorized', message: 'revoked' });
  assert.equal(two.status, 'closed', 'a connection-level refusal reaches every subscription on it');
  one.close();
  assert.deepEqual(again.sent.at(-1), { type: 'unsubscribe', id: 's1' });
  rtkv.close();
});

test('a full connection sends the next subscription to a second one quietly; an unanswered subscribe is tried again', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  const settle = async () => { for (let i = 0; i < 5; i++) await Promise.resolve(); };
  FakeSocket.all = [];
  const rtkv = createClient({ fanout: 'ws://a:1', WebSocket: FakeSocket, deadAfterMs: 30_000 });
  const errors = [];
  const first = rtkv.table('one').subscribe();
  const second = rtkv.table('two').subscribe().on('error', (e) => errors.push(e.error));
  await settle();
  const a = FakeSocket.all[0];
  a.open();
  a.frame({ id: 's1', type: 'resumed', token: 't' });
  a.frame({ id: 's2', type: 'error', error: 'too_many_subscriptions', message: 'at most 1' });
  t.mock.timers.tick(1);
  await settle();
  assert.equal(FakeSocket.all.length, 2, 'a second connection to the same node');
  const b = FakeSocket.all[1];
  assert.equal(b.url, a.url);
  b.open();
  assert.deepEqual(b.sent, [{ type: 'subscribe', id: 's1', table: 'two' }]);
  assert.deepEqual(errors, [], 'the app hears nothing of it');
  assert.equal(first.status, 'live');

  // b is alive (it heartbeats) but never answers the subscribe: given up after 30 s, then sent again.
  t.mock.timers.tick(20_000);
  a.frame({ type: 'heartbeat' });
  b.frame({ type: 'heartbeat' });
  t.mock.timers.tick(10_001);
  assert.deepEqual(b.sent.filter((m) => m.type !== 'heartbeat').at(-1), { type: 'unsubscribe', id: 's1' });
  assert.equal(second.status, 'reconnecting');
  t.mock.timers.tick(10_000); // past any backoff of the first retry
  await settle();
  assert.deepEqual(b.sent.filter((m) => m.type === 'subscribe').map((m) => [m.id, m.table]), [['s1', 'two'], ['s2', 'two']]);
  rtkv.close();
});

test('subscribe() alone is one table on a connection of its own, closed with it', async () => {
  FakeSocket.all = [];
  const live = subscribe('http://a:1/', 'demo', { key: 'k', token: 't9', conflate: 250, WebSocket: FakeSocket });
  await tick();
  const [socket] = FakeSocket.all;
  assert.equal(socket.url, 'ws://a:1/v1/stream?key=k');
  socket.open();
  assert.deepEqual(socket.sent, [{ type: 'subscribe', id: 's1', table: 'demo', resume: 't9', conflate: 250 }]);
  socket.frame({ id: 's1', type: 'resumed', token: 't9' });
  assert.equal(live.status, 'live');
  live.close();
  assert.equal(socket.readyState, 3, 'its connection closed with it');
});
