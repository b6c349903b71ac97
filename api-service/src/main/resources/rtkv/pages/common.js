// What the console and the article page share: the API key, and the JavaScript SDK (served here from
// client-js/src) that makes their calls and subscriptions. The key comes from the address's fragment
// (#key=..., which browsers never send to a server) and is kept for this tab only.
import { createClient, RtkvError } from './sdk/index.js';

export { RtkvError };

const KEY = 'rtkv.key';

/** The fanout node (or its load balancer) this page subscribes through, as api-service was told. */
export const fanoutUrl = document.querySelector('meta[name="rtkv-fanout"]').content.replace(/\/+$/, '');

/** The API key of this tab: from #key=... when the page was opened with one, else as kept earlier. */
export function apiKey() {
  const match = location.hash.match(/(?:^#|&)key=([^&]+)/);
  if (match) {
    sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY);
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key); else sessionStorage.removeItem(KEY);
}

/** The rtkv client of this tab's key: the SDK, with this origin's API and the fanout node the page was told of. */
let client = null;
let clientKey;
export function rtkv() {
  const key = apiKey();
  if (!client || clientKey !== key) {
    client?.close();
    client = createClient({ api: location.origin, fanout: fanoutUrl.replace(/^http/, 'ws'), key });
    clientKey = key;
  }
  return client;
}

/** An error as the pages show it: the API's status and code with its words, or what else went wrong. */
export function describe(e) {
  return e instanceof RtkvError ? `${e.status} ${e.code}: ${e.detail}` : e.message;
}

/**
 * A fresh idempotency key. crypto.randomUUID exists only on https or localhost; getRandomValues everywhere.
 */
export function idempotencyKey() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}
