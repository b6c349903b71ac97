// What the Node scripts share: the JavaScript client loaded as a fanout node serves it, and the way
// a script fails (a FAIL line and exit status 1, which the Java test reports).
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const fail = (message) => { console.error(`FAIL: ${message}`); process.exit(1); };

export async function loadClient(fanout) {
  if (!globalThis.WebSocket) fail('no WebSocket in this Node; run Node 22, or Node 20 with --experimental-websocket');
  const source = await (await fetch(`${fanout.replace(/^ws/, 'http')}/v1/client.js`)).text();
  const file = join(await mkdtemp(join(tmpdir(), 'rtkv-client-')), 'client.mjs');
  await writeFile(file, source);
  return import(pathToFileURL(file).href);
}
