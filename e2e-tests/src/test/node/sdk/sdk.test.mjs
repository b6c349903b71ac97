// rtkv-client, installed from its npm tarball, against the real cluster. Run by JsSdkIT with the
// cluster's addresses and admin key in RTKV_API_URL, RTKV_FANOUT_URL and RTKV_ADMIN_KEY, and two
// fresh table names in RTKV_TABLES.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, RtkvError } from 'rtkv-client';

const API = process.env.RTKV_API_URL;
const FANOUT = process.env.RTKV_FANOUT_URL;
const KEY = process.env.RTKV_ADMIN_KEY;
const [FIRST, SECOND, THIRD] = process.env.RTKV_TABLES.split(',');

async function until(alias, condition, ms = 30_000) {
  for (const started = Date.now(); !condition();) {
    assert.ok(Date.now() - started < ms, `waited ${ms} ms for ${alias}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('every call of the HTTP API, its refusals typed', async () => {
  const rtkv = createClient({ api: API, key: KEY });
  const t = rtkv.table(FIRST);
  const odd = 'a/b c é';
  const first = await t.put(odd, { n: 1 });
  assert.equal(first.version, 1);
  assert.deepEqual((await t.get(odd)).value, { n: 1 });
  assert.equal(await t.get('nobody'), null);
  await assert.rejects(t.put(odd, 2, { ifVersion: 7 }),
    (e) => e instanceof RtkvError && e.isConflict && e.code === 'version_mismatch' && e.currentVersion === 1);
  await assert.rejects(t.put(odd, 2, { ifAbsent: true }), (e) => e.status === 412);
  assert.equal((await t.put(odd, 2, { ifVersion: 1 })).version, 2);
  assert.ok((await t.put('session', 's', { ttl: 60 })).expiresAt > Date.now());
  assert.equal((await t.ttl('session', null)).expiresAt, null);
  assert.equal((await t.incr('n', 5)).value, 5);
  assert.equal((await t.incr('n', -2, { idempotencyKey: 'js-incr-1' })).value, 3);
  assert.equal((await t.incr('n', -2, { idempotencyKey: 'js-incr-1' })).value, 3, 'answered again, not applied twice');
  await t.put('text', 'hello');
  await assert.rejects(t.incr('text'), (e) => e.status === 409 && e.code === 'not_a_number');
  const results = await t.batch([{ op: 'put', key: 'b1', value: true }, { op: 'incr', key: 'n' }, { op: 'delete', key: 'session' }]);
  assert.deepEqual(results.map((r) => r.key), ['b1', 'n', 'session']);
  await assert.rejects(t.batch([{ op: 'put', key: 'b2', value: 1 }, { op: 'put', key: 'b1', value: 2, ifAbsent: true }]),
    (e) => e.operation === 1);
  assert.equal(await t.get('b2'), null, 'all or nothing');
  for (let i = 0; i < 5; i++) await t.put(`p${i}`, i);
  const walked = [];
  for (let page = await t.list({ prefix: 'p', limit: 2 }); ; page = await t.list({ prefix: 'p', after: page.next, limit: 2 })) {
    walked.push(...page.keys.map((e) => e.key));
    if (!page.next) break;
  }
  assert.deepEqual(walked, ['p0', 'p1', 'p2', 'p3', 'p4']);
  assert.equal((await t.delete('p0')).version, 2);
  assert.equal(await t.delete('p0'), null);
  await assert.rejects(createClient({ api: API, key: 'rk.nobody.secret' }).table(FIRST).get('k'),
    (e) => e.status === 401 && e.code === 'unauthorized');
});

test('three tables over one connection, a scope among them, converge and resume after the connection drops', async () => {
  const rtkv = createClient({ api: API, fanout: FANOUT, key: KEY });
  const views = [rtkv.table(FIRST).subscribe(), rtkv.table(SECOND).subscribe({ prefix: 'k1' }), rtkv.table(THIRD).subscribe()];
  const snapshots = views.map(() => 0);
  views.forEach((view, i) => view.on('snapshot', () => { snapshots[i]++; }));
  await until('all live', () => views.every((v) => v.status === 'live'));
  assert.equal(rtkv.connections, 1);

  const tables = [FIRST, SECOND, THIRD].map((name) => rtkv.table(name));
  const writes = [];
  for (let i = 0; i < 60; i++) {
    writes.push(tables[i % 3].put(`k${i % 12}`, { i }));
    if (i === 30) views[0].reconnect(); // the shared connection drops: each subscription resumes
  }
  await Promise.all(writes);
  for (const [i, table] of tables.entries()) {
    const page = await table.list({ limit: 1000 });
    const expected = page.keys.filter((e) => i !== 1 || e.key.startsWith('k1')).map((e) => [e.key, e.version]);
    await until(`the view of ${table.name}`, () => JSON.stringify(views[i].entries().map(([k, e]) => [k, e.version]))
      === JSON.stringify(expected));
  }
  assert.deepEqual(snapshots, [1, 1, 1], 'each resumed rather than starting over');
  for (const view of views) view.close();
  await until('the idle connection closed', () => rtkv.connections === 0);
  rtkv.close();
});
