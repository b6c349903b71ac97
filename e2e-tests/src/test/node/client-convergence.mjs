// Drives the JavaScript client served by a fanout node against the running cluster: three
// subscribers (one of them dropped and resumed twice) of a table written by a random workload; they
// must end equal to what the HTTP API lists, and never apply a change older than what they hold.
// Usage: node --experimental-websocket client-convergence.mjs API_URL FANOUT_URL TABLE
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [api, fanout, table] = process.argv.slice(2);
const fail = (message) => { console.error(`FAIL: ${message}`); process.exit(1); };
if (!globalThis.WebSocket) fail('no WebSocket in this Node; run Node 22, or Node 20 with --experimental-websocket');
setTimeout(() => fail('did not converge within 90 s'), 90_000).unref();

const source = await (await fetch(`${fanout.replace(/^ws/, 'http')}/v1/client.js`)).text();
const file = join(await mkdtemp(join(tmpdir(), 'rtkv-client-')), 'client.mjs');
await writeFile(file, source);
const { subscribe } = await import(pathToFileURL(file).href);

const key = (i) => `k${String(i).padStart(2, '0')}`;
const url = (k, suffix = '') => `${api}/v1/tables/${table}/keys/${encodeURIComponent(k)}${suffix}`;
const subscribers = [0, 1, 2].map(() => subscribe(fanout, table));
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
  if (dice < 55) await fetch(url(k), { method: 'PUT', body: JSON.stringify({ op, n: random(1000) }) });
  else if (dice < 75) await fetch(url(k), { method: 'DELETE' });
  else await fetch(url(`n${k}`, '/incr'), { method: 'POST', body: JSON.stringify({ by: 1 + random(3) }) });
  if (op === 100 || op === 200) subscribers[2].reconnect();
}

const listed = async () => {
  const page = await (await fetch(`${api}/v1/tables/${table}/keys?limit=1000`)).json();
  return JSON.stringify(page.keys.map((e) => [e.key, e.version, JSON.stringify(e.value)]));
};
const view = (s) => JSON.stringify(s.entries().map(([k, e]) => [k, e.version, JSON.stringify(e.value)]));
await until('every subscriber equal to the API', async () => {
  const expected = await listed();
  return subscribers.every((s) => view(s) === expected);
});
subscribers.forEach((s) => s.close());
console.log(`OK: 3 subscribers converged on ${JSON.parse(await listed()).length} keys`);
process.exit(0);
