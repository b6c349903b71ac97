// An article with a clap counter that every reader sees move. The article is table article.ID: keys
// title, body and claps. Clicks are counted here and sent as one increment every 200 ms; the stream is
// conflated, so a reader of a hot article gets a few updates a second carrying the latest count.
import { ApiError, api, apiKey, path, subscribeTo } from './common.js';

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
let pausedUntil = 0;

function showCount() {
  $('count').textContent = Math.max(streamed, answered) + unsent + sending;
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

/** One increment with everything clicked since the last; a failure that wrote nothing is sent again. */
async function send(keepalive = false) {
  if (sending || unsent === 0 || Date.now() < pausedUntil) return;
  sending = unsent;
  unsent = 0;
  try {
    const answer = await api('POST', `${path(table, 'claps')}/incr`, { body: JSON.stringify({ by: sending }), keepalive });
    answered = Math.max(answered, answer.value);
    sending = 0;
    $('error').textContent = '';
  } catch (e) {
    if (e instanceof ApiError && !RETRIABLE.has(e.status)) {
      // It can never succeed (a key without write access, say): the reader is told, not left guessing.
      $('error').textContent = `These claps were not counted: ${e.toString()}`;
      sending = 0;
    } else {
      // Nothing was written, or the answer was lost: kept and sent again, so no click is ever lost.
      unsent += sending;
      sending = 0;
      pausedUntil = Date.now() + (e.retryAfterMs ?? 1000);
      $('error').textContent = `Claps will be sent again shortly: ${e.toString()}`;
    }
  }
  showCount();
}

async function start() {
  if (!apiKey()) {
    $('error').textContent = 'This page needs an API key: open it with #key=KEY (./rtkv up prints the address).';
    $('title').textContent = id;
    return;
  }
  const subscription = await subscribeTo(table, CONFLATE_MS);
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
});
setInterval(send, SEND_EVERY_MS);
// Claps clicked just before leaving still go out.
addEventListener('pagehide', () => send(true));
start();
