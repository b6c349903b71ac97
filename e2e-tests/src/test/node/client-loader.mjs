// What the Node scripts share: the JavaScript client loaded as a fanout node serves it (/v1/client.js and
// the SDK modules it imports from /v1/sdk/), and the way a script fails (a FAIL line and exit status 1,
// which the Java test reports).
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const fail = (message) => { console.error(`FAIL: ${message}`); process.exit(1); };

/** Fetches a module and, into the same layout, every module it imports by a relative path. */
async function fetchModule(base, path, dir, fetched) {
  if (fetched.has(path)) return;
  fetched.add(path);
  const response = await fetch(`${base}/${path}`);
  if (!response.ok) fail(`GET ${base}/${path} answered ${response.status}`);
  const source = await response.text();
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await writeFile(join(dir, path), source);
  for (const [, relative] of source.matchAll(/from '(\.\/[^']+)'/g)) {
    await fetchModule(base, new URL(relative, `http://x/${path}`).pathname.slice(1), dir, fetched);
  }
}

export async function loadClient(fanout) {
  if (!globalThis.WebSocket) fail('no WebSocket in this Node; run Node 22, or Node 20 with --experimental-websocket');
  const dir = await mkdtemp(join(tmpdir(), 'rtkv-client-'));
  await writeFile(join(dir, 'package.json'), '{"type":"module"}');
  await fetchModule(`${fanout.replace(/^ws/, 'http')}/v1`, 'client.js', dir, new Set());
  return import(pathToFileURL(join(dir, 'client.js')).href);
}
