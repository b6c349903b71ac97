// The console: one table's keys, live, and forms that write through the HTTP API.
import { apiKey, describe, rtkv, setApiKey } from './common.js';

const RECENT = 'rtkv.recent-tables';
const SHOWN_ROWS = 1000;
const FLASH_MS = 1500;

const $ = (id) => document.getElementById(id);
const rows = $('rows').tBodies[0];
const byKey = new Map();
let table = null;
let subscription = null;

function recentTables() {
  try { return JSON.parse(localStorage.getItem(RECENT)) ?? []; } catch { return []; }
}

function remember(name) {
  const recent = [name, ...recentTables().filter((t) => t !== name)].slice(0, 10);
  localStorage.setItem(RECENT, JSON.stringify(recent));
  $('recent-tables').replaceChildren(...recent.map((t) => Object.assign(document.createElement('option'), { value: t })));
}

function showStatus(status) {
  $('connection').dataset.status = status;
  $('status-text').textContent = status;
}

function expiresText(expiresAt) {
  if (expiresAt == null) return '';
  const seconds = Math.max(0, Math.ceil((expiresAt - Date.now()) / 1000));
  return `in ${seconds} s`;
}

function flash(row, kind) {
  row.classList.remove('new', 'changed');
  void row.offsetWidth; // restarts the animation when the same row changes twice in a row
  row.classList.add(kind);
  setTimeout(() => row.classList.remove(kind), FLASH_MS);
}

function fillRow(row, key, entry) {
  row.dataset.key = key;
  row.dataset.version = entry.version;
  const cells = row.cells.length ? row.cells : ['key', 'value', 'version', 'expires'].map((name) => {
    const cell = row.insertCell();
    cell.className = name;
    return cell;
  });
  cells[0].textContent = key;
  cells[1].textContent = JSON.stringify(entry.value);
  cells[2].textContent = entry.version;
  cells[3].textContent = expiresText(entry.expiresAt);
  cells[3].dataset.expiresAt = entry.expiresAt ?? '';
}

/** Where a key goes to keep the rows in key order (the order the server and the client use). */
function rowAfter(key) {
  for (const row of rows.rows) {
    if (row.dataset.key > key && !row.classList.contains('gone')) return row;
  }
  return null;
}

// The count comes from the client's copy of the table, which holds every key, shown or not; counted
// at most every 250 ms, since a busy table changes far more often than anyone reads the number.
let counting = null;
function countRows() {
  counting ??= setTimeout(() => {
    counting = null;
    const live = subscription ? subscription.entries().length : byKey.size;
    $('row-count').textContent = `${live} ${live === 1 ? 'key' : 'keys'}${live > byKey.size ? `, first ${byKey.size} shown` : ''}`;
    $('no-rows').hidden = live > 0;
    if (subscription?.status === 'live') $('no-rows').textContent = 'No keys yet: put one.';
  }, 250);
}

function renderAll(entries) {
  rows.replaceChildren();
  byKey.clear();
  for (const [key, entry] of entries.slice(0, SHOWN_ROWS)) {
    const row = rows.insertRow();
    fillRow(row, key, entry);
    byKey.set(key, row);
  }
  countRows();
}

function removeRow(key, kind) {
  const row = byKey.get(key);
  if (!row) return;
  byKey.delete(key);
  row.classList.add('gone', kind);
  row.setAttribute('aria-hidden', 'true');
  setTimeout(() => row.remove(), FLASH_MS);
  countRows();
}

function applyChange(change) {
  if (change.op !== 'put') {
    removeRow(change.key, change.op === 'expire' ? 'expired' : 'deleted');
    return;
  }
  let row = byKey.get(change.key);
  const isNew = !row;
  if (isNew) {
    if (byKey.size >= SHOWN_ROWS) { countRows(); return; }
    row = document.createElement('tr');
    rows.insertBefore(row, rowAfter(change.key));
    byKey.set(change.key, row);
  }
  fillRow(row, change.key, change);
  flash(row, isNew ? 'new' : 'changed');
  countRows();
}

/** Every second: the countdowns, and keys whose time is up even before their expire arrives. */
function tick() {
  const now = Date.now();
  for (const [key, row] of byKey) {
    const cell = row.cells[3];
    const expiresAt = Number(cell.dataset.expiresAt);
    if (!expiresAt) continue;
    if (expiresAt <= now) removeRow(key, 'expired');
    else cell.textContent = expiresText(expiresAt);
  }
}

async function open(name) {
  subscription?.close();
  subscription = null;
  table = name;
  $('table').value = name;
  $('rows-table').textContent = name;
  $('subscribers').textContent = '–';
  renderAll([]);
  $('no-rows').textContent = 'Loading…';
  remember(name);
  const url = new URL(location.href);
  url.searchParams.set('table', name);
  history.replaceState(null, '', url);
  const current = rtkv().table(name).subscribe();
  subscription = current;
  showStatus(current.status);
  current.on('status', showStatus);
  current.on('snapshot', () => renderAll(current.entries()));
  current.on('change', applyChange);
  current.on('presence', (n) => { $('subscribers').textContent = n; });
  current.on('error', (frame) => showError(`${frame.error}: ${frame.message}`));
}

function showError(text) {
  $('result').textContent = '';
  $('error').textContent = text;
}

function showResult(text) {
  $('error').textContent = '';
  $('result').textContent = text;
}

/** Runs one form's request; the answer or the API's error shows beside the forms. */
function onSubmit(form, request) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!table) { showError('Subscribe to a table first.'); return; }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      showResult(await request(new FormData(form)));
    } catch (e) {
      showError(describe(e));
    } finally {
      button.disabled = false;
    }
  });
}

function number(data, name) {
  const text = String(data.get(name) ?? '').trim();
  return text === '' ? null : Number(text);
}

onSubmit($('put-form'), async (data) => {
  const key = data.get('key');
  let value;
  try { value = JSON.parse(data.get('value')); } catch (e) { throw new Error(`The value is not JSON: ${e.message}`); }
  const answer = await rtkv().table(table).put(key, value,
    { ttl: number(data, 'ttl'), ifVersion: number(data, 'ifMatch'), ifAbsent: Boolean(data.get('createOnly')) });
  return `put ${answer.key}: version ${answer.version}`;
});

onSubmit($('incr-form'), async (data) => {
  const key = data.get('key');
  const answer = await rtkv().table(table).incr(key, number(data, 'by') ?? 1);
  return `incremented ${answer.key}: ${JSON.stringify(answer.value)} at version ${answer.version}`;
});

onSubmit($('delete-form'), async (data) => {
  const key = data.get('key');
  const answer = await rtkv().table(table).delete(key, { ifVersion: number(data, 'ifMatch') });
  return answer ? `deleted ${answer.key} at version ${answer.version}` : `there is no key ${key}`;
});

// A row clicked fills the forms, its version ready for a compare-and-set.
rows.addEventListener('click', (event) => {
  const row = event.target.closest('tr');
  if (!row || !byKey.has(row.dataset.key)) return;
  const entry = subscription?.get(row.dataset.key);
  for (const id of ['put-key', 'incr-key', 'delete-key']) $(id).value = row.dataset.key;
  if (entry) $('put-value').value = JSON.stringify(entry.value, null, 1);
  $('put-if-match').value = row.dataset.version;
  $('delete-if-match').value = row.dataset.version;
});

$('pick').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = $('table').value.trim();
  if (name && name !== table) open(name);
});

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  setApiKey($('key').value.trim());
  $('key').value = '';
  start();
});

function start() {
  const key = apiKey();
  $('key-needed').hidden = Boolean(key);
  if (!key) return;
  const wanted = new URL(location.href).searchParams.get('table') ?? recentTables()[0];
  if (wanted) open(wanted);
}

remember(recentTables()[0] ?? 'demo');
setInterval(tick, 1000);
start();
