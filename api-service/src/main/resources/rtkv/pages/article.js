// An article with a clap counter that every reader sees move. The article is table article.ID: keys
// title, body and claps. Clicks are counted here and sent as increments, at most one every 200 ms and one
// at a time: a click after a quiet moment leaves at once, the clicks of a burst go together. The stream
// is conflated, so a reader of a hot article gets a few updates a second carrying the latest count.
import { RtkvError, apiKey, describe, idempotencyKey, rtkv } from './common.js';

const SEND_EVERY_MS = 200;
const CONFLATE_MS = 250;
// Answers after which the same increment may be sent again: nothing was written.
const RETRIABLE = new Set([0, 429, 502, 503, 504]);

const $ = (id) => document.getElementById(id);
const id = decodeURIComponent(location.pathname.replace(/^\/articles\//, '').replace(/\/+$/, ''));
const table = `article.${id}`;

let streamed = 0;   // the count as the stream last showed it
let answered = 0;   // the highest count an increment answered
let unsent = 0;     // clicks not sent yet
let sending = 0;    // clicks in the increment on its way
let departing = 0;  // clicks sent on leaving the page while another increment was on its way
// Increments that failed in a way that may have counted them ({ by, key }): sent again as they were,
// under the same idempotency key, before any new clicks, so a batch whose answer was lost counts once.
const again = [];
// Times on performance.now(): a wall clock set back would hold every click for as long.
let pausedUntil = 0;
let lastSent = -Infinity; // when the last increment left
let timer = null;         // the send waiting for its turn

function showCount() {
  $('count').textContent = Math.max(streamed, answered) + unsent + sending + departing
    + again.reduce((sum, { by }) => sum + by, 0);
}

function showStatus(status) {
  $('connection').dataset.status = status;
  $('status-text').textContent = status;
}

function showArticle(entries) {
  const title = entries.get('title')?.value;
  const body = entries.get('body')?.value;
  $('title').textContent = typeof title === 'string' ? title : id;
  document.title = `${$('title').textContent} · rtkv`;
  const paragraphs = typeof body === 'string' ? body.split(/\n\s*\n/) : [];
  $('body').replaceChildren(...paragraphs.map((text) => Object.assign(document.createElement('p'), { textContent: text })));
  const claps = entries.get('claps')?.value;
  streamed = Number.isSafeInteger(claps) ? claps : 0;
  showCount();
}

/** When the next increment may leave: 200 ms after the last, and not before a pause ends. */
function nextSendAt() {
  return Math.max(lastSent + SEND_EVERY_MS, pausedUntil);
}

/** Sends what is unsent at its turn: once the increment on its way is answered, and no sooner than nextSendAt. */
function sendInTurn() {
  if (timer !== null || sending || (unsent === 0 && again.length === 0)) return;
  timer = setTimeout(() => {
    timer = null;
    send();
  }, Math.max(0, nextSendAt() - performance.now()));
}

/**
 * Posts an increment; keepalive, so one on its way when the page goes away still arrives, and with its
 * idempotency key, so neither the SDK's retries nor ours can count it twice.
 */
async function increment(by, key) {
  const answer = await rtkv().table(table).incr('claps', by, { keepalive: true, idempotencyKey: key });
  answered = Math.max(answered, answer.value);
  $('error').textContent = '';
}

/** After an increment of `by` clicks failed: kept and sent again as it was, unless it can never succeed. */
function failed(e, by, key) {
  if (e instanceof RtkvError && !RETRIABLE.has(e.status)) {
    // A key without write access, say: the reader is told, not left guessing.
    $('error').textContent = `These claps were not counted: ${describe(e)}`;
  } else {
    // Nothing was written, or the answer was lost: no click is ever lost, nor counted twice.
    again.push({ by, key });
    pausedUntil = performance.now() + (e.retryAfter != null ? e.retryAfter * 1000 : 1000);
    $('error').textContent = `Claps will be sent again shortly: ${describe(e)}`;
  }
}

/**
 * One increment with everything clicked since the last, at its turn; leaving the page sends at once,
 * whatever the turn (sendOnLeaving).
 */
async function send(leaving = false) {
  if (sending || (unsent === 0 && again.length === 0)) return;
  if (!leaving && performance.now() < nextSendAt()) {
    sendInTurn();
    return;
  }
  let key;
  if (again.length > 0) {
    ({ by: sending, key } = again.shift());
  } else {
    sending = unsent;
    unsent = 0;
    key = idempotencyKey();
  }
  lastSent = performance.now();
  const by = sending;
  try {
    await increment(by, key);
  } catch (e) {
    failed(e, by, key);
  }
  sending = 0;
  showCount();
  sendInTurn(); // what was clicked, or is to be sent again, meanwhile
}

async function start() {
  if (!apiKey()) {
    $('error').textContent = 'This page needs an API key: open it with #key=KEY (./rtkv up prints the address).';
    $('title').textContent = id;
    return;
  }
  const subscription = rtkv().table(table).subscribe({ conflate: CONFLATE_MS });
  showStatus(subscription.status);
  subscription.on('status', showStatus);
  subscription.on('snapshot', (entries) => showArticle(entries));
  subscription.on('change', (change) => {
    if (change.key === 'claps' && change.op === 'put' && Number.isSafeInteger(change.value)) {
      streamed = change.value;
      showCount();
    } else if (change.key === 'title' || change.key === 'body') {
      showArticle(new Map(subscription.entries()));
    }
  });
  subscription.on('presence', (n) => { $('readers').textContent = n; });
  subscription.on('error', (frame) => { $('error').textContent = `${frame.error}: ${frame.message}`; });
  $('clap').disabled = false;
}

$('clap').addEventListener('click', () => {
  unsent++;
  showCount();
  send();
});
/**
 * Claps clicked just before leaving still go out, even while an increment is on its way: the page may
 * not live to send them after it. A failure keeps them, in case the page comes back.
 */
function sendOnLeaving() {
  if (!sending) {
    send(true);
    return;
  }
  const by = unsent;
  if (by === 0) return;
  unsent = 0;
  departing += by;
  const key = idempotencyKey();
  increment(by, key)
    .catch((e) => failed(e, by, key))
    .finally(() => {
      departing -= by;
      showCount();
      sendInTurn();
    });
}
addEventListener('pagehide', sendOnLeaving);
start();
