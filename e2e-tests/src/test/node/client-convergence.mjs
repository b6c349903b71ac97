// Drives the JavaScript client served by a fanout node against the running cluster: three
// subscribers (one of them dropped and resumed twice) of a table written by a random workload; they
// must end equal to what the HTTP API lists, and never apply a change older than what they hold. Every
// call uses a key the script makes, scoped to the table; a revoked key's subscriber is closed for good.
// Usage: node --experimental-websocket client-convergence.mjs API_URL FANOUT_URL TABLE ADMIN_KEY
import { fail, loadClient } from './client-loader.mjs';

const [api, fanout, table, adminKey] = process.argv.slice(2);
setTimeout(() => fail('did not converge within 90 s'), 90_000).unref();

const { subscribe } = await loadClient(fanout);

const newKey = async (name) => {
  const response = await fetch(`${api}/v1/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ name, scopes: [`read:${table}`, `write:${table}`, `subscribe:${table}`] }),
  });
  if (response.status !== 201) fail(`creating a key answered ${response.status}: ${await response.text()}`);
  return response.json();
};
const { key: apiKey } = await newKey('node client test');
const headers = { authorization: `Bearer ${apiKey}` };

const key = (i) => `k${String(i).padStart(2, '0')}`;
const url = (k, suffix = '') => `${api}/v1/tables/${table}/keys/${encodeURIComponent(k)}${suffix}`;
const subscribers = [0, 1, 2].map(() => subscribe(fanout, table, { key: apiKey }));
const versions = subscribers.map(() => new Map());
subscribers.forEach((s, i) => s.on('change', (c) => {
  const before = versions[i].get(c.key) ?? 0;
  if (c.version <= before) fail(`subscriber ${i} applied ${c.key} v${c.version} after v${before}`);
  versions[i].set(c.key, c.version);
}));
const until = async (what, check) => {
  for (let i = 0; i < 600; i++) { if (await check()) return; await new Promise((r) => setTimeout(r, 100)); }
  fail(`timed out waiting for ${what}`);
};
await until('every subscriber live', () => subscribers.every((s) => s.status === 'live'));

let seed = 7;
const random = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
for (let op = 0; op < 300; op++) {
  const k = key(random(30));
  const dice = random(100);
  let response;
  if (dice < 55) response = await fetch(url(k), { method: 'PUT', headers, body: JSON.stringify({ op, n: random(1000) }) });
  else if (dice < 75) response = await fetch(url(k), { method: 'DELETE', headers });
  else response = await fetch(url(`n${k}`, '/incr'), { method: 'POST', headers, body: JSON.stringify({ by: 1 + random(3) }) });
  if (response.status >= 300 && response.status !== 404) fail(`a write answered ${response.status}: ${await response.text()}`);
  if (op === 100 || op === 200) subscribers[2].reconnect();
}

const listed = async () => {
  const page = await (await fetch(`${api}/v1/tables/${table}/keys?limit=1000`, { headers })).json();
  return JSON.stringify(page.keys.map((e) => [e.key, e.version, JSON.stringify(e.value)]));
};
const view = (s) => JSON.stringify(s.entries().map(([k, e]) => [k, e.version, JSON.stringify(e.value)]));
await until('every subscriber equal to the API', async () => {
  const expected = await listed();
  return subscribers.every((s) => view(s) === expected);
});
subscribers.forEach((s) => s.close());

// A wrong key is refused and not retried; a revoked key's live subscription is closed.
const wrong = subscribe(fanout, table, { key: 'rk.0123456789abcdef.' + 'A'.repeat(43) });
const errors = [];
wrong.on('error', (e) => errors.push(e.error));
await until('the wrong key refused', () => wrong.status === 'closed' && errors.includes('unauthorized'));
const revocable = await newKey('to be revoked');
const doomed = subscribe(fanout, table, { key: revocable.key });
doomed.on('error', (e) => errors.push(`doomed ${e.error}`));
await until('the doomed subscriber live', () => doomed.status === 'live');
await fetch(`${api}/v1/admin/keys/${revocable.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminKey}` } });
await until('the revoked key\'s subscriber closed', () => doomed.status === 'closed' && errors.includes('doomed unauthorized'));

console.log(`OK: 3 subscribers converged on ${JSON.parse(await listed()).length} keys`);
process.exit(0);
