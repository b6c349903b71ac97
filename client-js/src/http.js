// The HTTP API, with retries of what is known to be safe to retry: a request that never reached the
// server, a 429 (nothing was done), and, for a read or a write with an idempotency key, a 503 or an
// answer lost on the way. A write without one whose answer was lost is not retried: it may have been applied.
import { RtkvError } from './errors.js';

const MAX_BACKOFF_MS = 2_000;
// Browsers refuse a keepalive request whose body (with the others in flight) passes 64 KiB.
const MAX_KEEPALIVE_BODY = 60 * 1024;
const MAX_RETRY_AFTER_MS = 30_000;
const IDEMPOTENCY_KEY = /^[!-~]{1,128}$/;

export const segment = (text) => encodeURIComponent(text);

export function requireKey(key) {
  if (typeof key !== 'string' || key === '') throw new TypeError('rtkv: a key is a non-empty string');
  return key;
}

/** The headers of a write's options; refuses options the server would refuse, before sending anything. */
export function writeHeaders({ ifVersion, ifAbsent, idempotencyKey } = {}) {
  const headers = {};
  if (ifVersion != null && ifAbsent) throw new TypeError('rtkv: a write is conditional on ifVersion or ifAbsent, not both');
  if (ifVersion != null) {
    if (!Number.isSafeInteger(ifVersion) || ifVersion < 1) throw new TypeError(`rtkv: ifVersion is a version (1 or more), not ${ifVersion}`);
    headers['If-Match'] = `"${ifVersion}"`;
  }
  if (ifAbsent) headers['If-None-Match'] = '*';
  if (idempotencyKey != null) {
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new TypeError('rtkv: an idempotency key is 1 to 128 printable ASCII characters without spaces, such as a UUID');
    }
    headers['Idempotency-Key'] = idempotencyKey;
  }
  return headers;
}

export function checkTtl(ttl) {
  if (ttl != null && (!Number.isSafeInteger(ttl) || ttl < 1)) throw new TypeError(`rtkv: ttl is whole seconds, 1 or more, not ${ttl}`);
  return ttl;
}

export class Requests {
  constructor({ api, key, fetch, retries, timeoutMs }) {
    this.api = api;
    this.key = key;
    this.fetch = fetch;
    this.retries = retries;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Sends one call and answers its JSON; null for a 404 when missingIsNull.
   * idempotent: sending it twice does no harm (a read, or a write with an idempotency key).
   */
  async send({ method, path, body, headers = {}, idempotent, keepalive = false }, missingIsNull = false) {
    const init = {
      method,
      // Best effort: a body too large to outlive the page is sent as an ordinary request.
      keepalive: keepalive && (body === undefined || new TextEncoder().encode(body).length <= MAX_KEEPALIVE_BODY),
      headers: { ...headers, ...(this.key ? { Authorization: `Bearer ${this.key}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body,
    };
    for (let attempt = 0; ; attempt++) {
      const more = attempt < this.retries;
      let response;
      let answer;
      try {
        // Called unbound: a browser's fetch refuses any `this` but the window ("Illegal invocation").
        const fetch = this.fetch;
        response = await fetch(this.api + path, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
        answer = response.ok ? await response.json() : null;
      } catch (e) {
        // fetch seldom says whether the request went out: only a refused connection (Node says so) means it
        // did not; otherwise only a read or a write with an idempotency key is sent again. A body cut off
        // on its way is a lost answer too.
        if (more && (idempotent || e?.cause?.code === 'ECONNREFUSED')) { await pause(attempt, null); continue; }
        throw new RtkvError({ status: 0, code: 'unreachable', cause: e,
          message: `${method} ${path}: ${idempotent ? `no answer from ${this.api}`
            : 'no answer: the write may or may not have been applied (send an idempotencyKey to have it retried safely)'}` });
      }
      if (response.ok) return answer;
      const refused = await refusal(response);
      if (response.status === 404 && missingIsNull && refused.code === 'not_found') return null;
      if (more && (response.status === 429 || (response.status === 503 && idempotent))) {
        await pause(attempt, refused.retryAfter);
        continue;
      }
      throw refused;
    }
  }
}

async function refusal(response) {
  let text = '';
  try { text = await response.text(); } catch { /* the refusal's body was cut off: its status still says enough */ }
  let error = {};
  try { error = JSON.parse(text); } catch { /* not the API's JSON: its text is the message */ }
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  return new RtkvError({
    status: response.status,
    code: error.error ?? `http_${response.status}`,
    message: error.message ?? text,
    currentVersion: typeof error.currentVersion === 'number' ? error.currentVersion : null,
    operation: typeof error.operation === 'number' ? error.operation : null,
    retryAfter: Number.isNaN(retryAfter) ? null : retryAfter,
  });
}

function pause(attempt, retryAfter) {
  let ms = Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
  if (retryAfter != null) ms = Math.max(ms, Math.min(retryAfter * 1000, MAX_RETRY_AFTER_MS));
  return new Promise((resolve) => setTimeout(resolve, ms));
}
