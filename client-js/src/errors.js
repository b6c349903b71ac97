// What the server refused, in its words, or a request that got no answer (status 0, code 'unreachable').

export class RtkvError extends Error {
  constructor({ status, code, message, currentVersion = null, operation = null, retryAfter = null, cause }) {
    super(`${code}: ${message}`, cause === undefined ? undefined : { cause });
    this.name = 'RtkvError';
    /** The HTTP status, or 0 when no answer came. */
    this.status = status;
    /** The API's error code (not_found, version_mismatch, ...), or 'unreachable'. */
    this.code = code;
    /** What went wrong, in the server's words (the message is `${code}: ${detail}`). */
    this.detail = message;
    /** After a failed ifVersion or ifAbsent: the key's version now, or null when it does not exist. */
    this.currentVersion = currentVersion;
    /** In a batch, the index of the operation that failed. */
    this.operation = operation;
    /** Seconds the server asked to wait before a retry (429), or null. */
    this.retryAfter = retryAfter;
  }

  /** A compare-and-set or create-only write whose condition did not hold. */
  get isConflict() {
    return this.status === 412;
  }
}

/** Refusals a retry cannot fix: a subscription that gets one closes instead of reconnecting. */
export const FATAL = new Set(['invalid_table', 'invalid_request', 'unauthorized', 'forbidden']);
