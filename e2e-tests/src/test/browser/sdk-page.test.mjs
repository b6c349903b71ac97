// A page built only on the rtkv-client npm tarball, in Debian's chromium, against the real cluster: it
// watches three tables over one WebSocket and writes through the SDK from an origin of its own. Run by
// BrowserIT with the installed app's directory in RTKV_SDK_APP, and the cluster in RTKV_API_URL,
// RTKV_FANOUT_URL, RTKV_ADMIN_KEY and RTKV_TABLES.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { launchChromium } from './chromium.mjs';

const APP = process.env.RTKV_SDK_APP;
const TABLES = process.env.RTKV_TABLES.split(',');
const WAIT = { timeout: 30_000 };
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json' };

let browser;
let server;

before(async () => {
  server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname));
    try {
      const body = await readFile(join(APP, path));
      response.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('a page on the npm tarball watches three tables over one socket and writes through the SDK', async () => {
  const page = await browser.newPage();
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => console.log(`page console: ${m.text()}`));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const hash = new URLSearchParams({ api: process.env.RTKV_API_URL, fanout: process.env.RTKV_FANOUT_URL,
    key: process.env.RTKV_ADMIN_KEY, tables: TABLES.join(',') });
  await page.goto(`${origin}/index.html#${hash}`);
  await page.waitForSelector('#write:not([disabled])', WAIT);

  await page.click('#write');
  for (const [i, table] of TABLES.entries()) {
    await page.waitForSelector(`section[data-table="${table}"] li[data-key="k${i}"]`, WAIT);
  }
  await page.waitForSelector(`section[data-table="${TABLES[0]}"] li[data-key="clicks"]`, WAIT);
  await page.click('#write');
  for (const [i, table] of TABLES.entries()) {
    await page.waitForFunction(([t, k]) => document.querySelector(`section[data-table="${t}"] li[data-key="${k}"]`)
      ?.textContent.includes('"write":2'), [table, `k${i}`], WAIT);
  }

  assert.equal(await page.textContent('#connections'), '1');
  assert.deepEqual(sockets.map((url) => new URL(url).pathname), ['/v1/stream'], 'one socket for three tables');
  assert.deepEqual(errors, []);
  for (const [i, table] of TABLES.entries()) {
    const shown = await page.textContent(`section[data-table="${table}"] li[data-key="k${i}"]`);
    console.log(`SHOWN ${table} ${shown}`);
  }
  await page.close();
});
