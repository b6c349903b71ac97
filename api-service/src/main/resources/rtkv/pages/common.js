// What the console and the article page share: the API key, calls to the HTTP API, the JavaScript
// client of the fanout node. The key comes from the address's fragment (#key=..., which browsers never
// send to a server) and is kept for this tab only.

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

/** An answer of the API that is not a success, in the API's own words. */
export class ApiError extends Error {
  constructor(status, error, message, retryAfterMs) {
    super(message);
    this.status = status;
    this.error = error;
    this.retryAfterMs = retryAfterMs;
  }

  toString() { return `${this.status} ${this.error}: ${this.message}`; }
}

/** Calls the HTTP API of this origin; answers the JSON body, or throws an ApiError. */
export async function api(method, path, { body, headers = {}, keepalive = false } = {}) {
  const key = apiKey();
  let response;
  try {
    response = await fetch(path, {
      method,
      keepalive,
      headers: {
        ...(key ? { Authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body,
    });
  } catch (e) {
    throw new ApiError(0, 'network', `the request got no answer (${e.message})`);
  }
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON: shown as text */ }
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('Retry-After'));
    throw new ApiError(response.status, json?.error ?? `http_${response.status}`, json?.message ?? text,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
  }
  return json;
}

export function path(table, key) {
  return `/v1/tables/${encodeURIComponent(table)}/keys/${encodeURIComponent(key)}`;
}

/** The JavaScript client, as the fanout node serves it. */
export async function rtkvClient() {
  return import(`${fanoutUrl}/v1/client.js`);
}

/** Subscribes with this tab's key; conflate is in milliseconds, 0 for every change. */
export async function subscribeTo(table, conflate = 0) {
  const { subscribe } = await rtkvClient();
  return subscribe(fanoutUrl, table, { key: apiKey(), conflate });
}
