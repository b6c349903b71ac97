// The console and the article page in Debian's chromium, driven by playwright-core, against the real
// cluster. Run by BrowserIT: node --test pages.test.mjs, with the cluster's address and admin key in
// RTKV_API_URL and RTKV_ADMIN_KEY; screenshots go to RTKV_SCREENSHOTS.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';

const API = process.env.RTKV_API_URL;
const ADMIN = process.env.RTKV_ADMIN_KEY;
const SHOTS = process.env.RTKV_SCREENSHOTS;
const WAIT = { timeout: 30_000 };
const unique = () => Math.random().toString(36).slice(2, 10);

let browser;

before(async () => {
  assert.ok(API && ADMIN && SHOTS, 'RTKV_API_URL, RTKV_ADMIN_KEY and RTKV_SCREENSHOTS are set');
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

async function call(method, path, body, key = ADMIN) {
  const response = await fetch(API + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const keyPath = (table, key) => `/v1/tables/${encodeURIComponent(table)}/keys/${encodeURIComponent(key)}`;

/** The table's live rows as MySQL holds them, read through the API: key -> JSON text of the value. */
async function storedRows(table) {
  const rows = {};
  let after = '';
  for (;;) {
    const page = await call('GET', `/v1/tables/${encodeURIComponent(table)}/keys?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    for (const entry of page.keys) rows[entry.key] = JSON.stringify(entry.value);
    if (!page.next) return rows;
    after = page.next;
  }
}

/** The rows a console page shows: key -> JSON text of the value. */
function shownRows(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#rows tbody tr:not(.gone)')]
    .map((row) => [row.dataset.key, row.querySelector('td.value').textContent])));
}

async function waitForRows(page, expected, what) {
  const deadline = Date.now() + WAIT.timeout;
  let shown;
  do {
    shown = await shownRows(page);
    if (JSON.stringify(sorted(shown)) === JSON.stringify(sorted(expected))) return;
    await page.waitForTimeout(100);
  } while (Date.now() < deadline);
  assert.deepEqual(sorted(shown), sorted(expected), what);
}

const sorted = (rows) => Object.fromEntries(Object.entries(rows).sort(([a], [b]) => (a < b ? -1 : 1)));

function waitText(page, selector, text) {
  return page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent.trim() === t, [selector, text], WAIT);
}

const row = (key) => `#rows tbody tr[data-key="${key}"]:not(.gone)`;

/**
 * A network cable for a browser context. Going offline stops new requests but leaves an open WebSocket
 * be, so the subscription's sockets are routed through here to be cut too, and refused while unplugged.
 */
async function cable(context) {
  let plugged = true;
  const sockets = [];
  await context.routeWebSocket(/\/v1\/stream/, (page) => {
    if (!plugged) {
      page.close({ code: 1001, reason: 'unplugged' });
      return;
    }
    sockets.push([page, page.connectToServer()]);
  });
  return {
    async unplug() {
      plugged = false;
      await context.setOffline(true);
      for (const [page, server] of sockets.splice(0)) {
        await page.close({ code: 1001, reason: 'unplugged' }).catch(() => {});
        await server.close().catch(() => {});
      }
    },
    async plug() {
      plugged = true;
      await context.setOffline(false);
    },
  };
}

async function openConsole(table, { withCable = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
  const network = withCable ? await cable(context) : null;
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${API}/?table=${encodeURIComponent(table)}#key=${ADMIN}`);
  await page.waitForSelector('#connection[data-status="live"]', WAIT);
  return { context, page, network };
}

async function put(page, key, value, { ttl, ifMatch } = {}) {
  await page.fill('#put-key', key);
  await page.fill('#put-value', value);
  await page.fill('#put-ttl', ttl == null ? '' : String(ttl));
  await page.fill('#put-if-match', ifMatch == null ? '' : String(ifMatch));
  await page.click('#put-form button[type="submit"]');
}

test('three consoles on one table see each other\'s puts, deletes and expiries', async () => {
  const table = `browser-${unique()}`;
  const consoles = [];
  for (let i = 0; i < 3; i++) consoles.push(await openConsole(table));
  const [one, two, three] = consoles.map((c) => c.page);
  for (const page of [one, two, three]) await waitText(page, '#subscribers', '3');

  await put(one, 'greeting', '"hello"');
  await put(one, 'profile:ada', '{"name": "Ada", "langs": ["en", "fr"]}');
  await put(one, 'counter', '41');
  await one.fill('#incr-key', 'counter');
  await one.click('#incr-form button[type="submit"]');
  for (const page of [one, two, three]) {
    await page.waitForSelector(row('greeting'), WAIT);
    await waitText(page, `${row('counter')} td.value`, '42');
  }

  await put(two, 'session', '{"user": 7}', { ttl: 3 });
  for (const page of [one, two, three]) await page.waitForSelector(row('session'), WAIT);
  await one.screenshot({ path: join(SHOTS, 'console.png') });
  for (const page of [one, two, three]) await page.waitForSelector(row('session'), { state: 'detached', ...WAIT });

  await three.fill('#delete-key', 'greeting');
  await three.click('#delete-form button[type="submit"]');
  for (const page of [one, two, three]) await page.waitForSelector(row('greeting'), { state: 'detached', ...WAIT });

  for (const page of [one, two, three]) await waitForRows(page, await storedRows(table), 'a console shows the table');
  await Promise.all(consoles.map((c) => c.context.close()));
});

test('an error of the API is shown as the API worded it', async () => {
  const table = `browser-${unique()}`;
  const { context, page } = await openConsole(table);
  await put(page, 'doc', '{"v": 1}');
  await page.waitForSelector(row('doc'), WAIT);
  await put(page, 'doc', '{"v": 2}', { ifMatch: 7 });
  await page.waitForFunction(() => document.querySelector('#error').textContent.includes('412 version_mismatch'), null, WAIT);
  const error = await page.textContent('#error');
  assert.match(error, /version/i, error);
  await waitText(page, `${row('doc')} td.value`, '{"v":1}');

  await put(page, 'bad', '{not json');
  await page.waitForFunction(() => document.querySelector('#error').textContent.includes('not JSON'), null, WAIT);
  await context.close();
});

test('a console cut off the network for 5 s catches up with MySQL', async () => {
  const table = `browser-${unique()}`;
  for (let i = 0; i < 5; i++) await call('PUT', keyPath(table, `k${i}`), { i });
  const { context, page, network } = await openConsole(table, { withCable: true });
  await waitForRows(page, await storedRows(table), 'the table before');

  await network.unplug();
  await page.waitForSelector('#connection:not([data-status="live"])', WAIT);
  for (let i = 3; i < 12; i++) await call('PUT', keyPath(table, `k${i}`), { i, round: 2 });
  await call('DELETE', keyPath(table, 'k0'));
  await call('POST', `${keyPath(table, 'hits')}/incr`, { by: 3 });
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  await network.plug();

  await page.waitForSelector('#connection[data-status="live"]', WAIT);
  const expected = await storedRows(table);
  await waitForRows(page, expected, 'after reconnecting');
  // BrowserIT compares these with the shard's rows, versions included.
  const versioned = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#rows tbody tr:not(.gone)')]
    .map((row) => [row.dataset.key, `${row.dataset.version} ${row.querySelector('td.value').textContent}`])));
  console.log(`ROWS ${table} ${JSON.stringify(versioned)}`);
  await context.close();
});

test('two readers clapping 50 and 30 times both see 80', async () => {
  const id = `t-${unique()}`;
  const table = `article.${id}`;
  await call('PUT', keyPath(table, 'title'), 'Claps in a real browser');
  await call('PUT', keyPath(table, 'body'), 'Two readers clap at once.\n\nBoth see every clap, and the count ends exact.');
  await call('PUT', keyPath(table, 'claps'), 0);
  const reader = await call('POST', '/v1/admin/keys', {
    name: `readers of ${id}`, scopes: [`read:${table}`, `subscribe:${table}`, `write:${table}`],
  });

  const readers = [];
  for (let i = 0; i < 2; i++) {
    const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${API}/articles/${id}#key=${reader.key}`);
    await page.waitForSelector('#clap:not([disabled])', WAIT);
    readers.push({ context, page });
  }
  const [a, b] = readers.map((r) => r.page);
  await waitText(a, '#title', 'Claps in a real browser');
  for (const page of [a, b]) await waitText(page, '#readers', '2');

  const clicks = async (page, n) => { for (let i = 0; i < n; i++) await page.click('#clap'); };
  await Promise.all([clicks(a, 50), clicks(b, 30)]);
  for (const page of [a, b]) await waitText(page, '#count', '80');
  assert.equal((await call('GET', keyPath(table, 'claps'))).value, 80);
  await a.screenshot({ path: join(SHOTS, 'article.png') });
  await Promise.all(readers.map((r) => r.context.close()));
});
