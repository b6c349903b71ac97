// Types of rtkv-client (src/index.js).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ClientOptions {
  /** api-service's address, http(s)://HOST:PORT: for reads and writes. */
  api?: string;
  /** An address that reaches any fanout node, ws(s)://HOST:PORT: for subscriptions. */
  fanout?: string;
  /** The API key: sent as Authorization on requests, and in the query of the WebSocket (browsers cannot set headers). */
  key?: string;
  fetch?: typeof globalThis.fetch;
  WebSocket?: typeof globalThis.WebSocket;
  /** Retries of what is safe to retry (default 2). */
  retries?: number;
  timeoutMs?: number;
  heartbeatMs?: number;
  deadAfterMs?: number;
}

export interface Entry { key: string; value: Json; version: number; expiresAt: number | null }
export interface Written { key: string; version: number; expiresAt: number | null; value?: Json }
export interface Deleted { key: string; version: number }
export interface Page { keys: Entry[]; next: string | null }

export interface WriteOptions {
  /** Compare-and-set: write only if the key is at this version. */
  ifVersion?: number;
  /** Create-only: write only if the key does not exist. */
  ifAbsent?: boolean;
  /** Lets the client retry a write whose answer was lost: the server applies it once. */
  idempotencyKey?: string;
  /** In a browser: the request is still sent while the page goes away (fetch's keepalive). */
  keepalive?: boolean;
}

export type BatchOp =
  | { op: 'put'; key: string; value: Json; ttl?: number; ifVersion?: number; ifAbsent?: boolean }
  | { op: 'delete'; key: string; ifVersion?: number }
  | { op: 'incr'; key: string; by?: number };

export interface SubscribeOptions {
  /** Watch one key. */
  only?: string;
  /** Watch the keys that begin with it. */
  prefix?: string;
  /** At most one change per key per this many milliseconds (50 to 60000). */
  conflate?: number;
  /** Resume from a token saved earlier. */
  token?: string;
}

export type Status = 'connecting' | 'live' | 'reconnecting' | 'resyncing' | 'closed';

export interface Change {
  type: 'change'; op: 'put' | 'delete' | 'expire'; key: string; value: Json; version: number;
  expiresAt: number | null; token: string;
}

export interface ErrorFrame { type: 'error'; id?: string; error: string; message: string }

export interface Subscription {
  get(key: string): { value: Json; version: number; expiresAt: number | null } | undefined;
  entries(): [string, { value: Json; version: number; expiresAt: number | null }][];
  on(event: 'change', listener: (change: Change) => void): this;
  on(event: 'snapshot', listener: (state: Map<string, { value: Json; version: number; expiresAt: number | null }>) => void): this;
  on(event: 'resync', listener: (reason: string) => void): this;
  on(event: 'status', listener: (status: Status) => void): this;
  on(event: 'presence', listener: (subscribers: number) => void): this;
  on(event: 'error', listener: (error: ErrorFrame) => void): this;
  on(event: 'frame', listener: (frame: Record<string, unknown>) => void): this;
  readonly status: Status;
  readonly subscribers: number | null;
  readonly token: string | null;
  reconnect(): void;
  close(): void;
}

export interface Table {
  readonly name: string;
  get(key: string): Promise<Entry | null>;
  put(key: string, value: Json, options?: WriteOptions & { ttl?: number }): Promise<Written>;
  delete(key: string, options?: Pick<WriteOptions, 'ifVersion' | 'idempotencyKey'>): Promise<Deleted | null>;
  incr(key: string, by?: number, options?: Pick<WriteOptions, 'idempotencyKey' | 'keepalive'>): Promise<Entry>;
  ttl(key: string, seconds: number | null, options?: Pick<WriteOptions, 'idempotencyKey'>): Promise<Written>;
  list(options?: { prefix?: string; after?: string; limit?: number }): Promise<Page>;
  batch(ops: BatchOp[], options?: Pick<WriteOptions, 'idempotencyKey'>): Promise<Written[]>;
  subscribe(options?: SubscribeOptions): Subscription;
}

export interface Client {
  table(name: string): Table;
  readonly connections: number;
  close(): void;
}

export function createClient(options: ClientOptions): Client;

/** One table's live copy on a connection of its own (closing it closes the connection). */
export function subscribe(url: string, table: string,
  options?: SubscribeOptions & { key?: string; WebSocket?: typeof globalThis.WebSocket }): Subscription;

export class RtkvError extends Error {
  readonly status: number;
  readonly code: string;
  /** The server's words; message is `${code}: ${detail}`. */
  readonly detail: string;
  readonly currentVersion: number | null;
  readonly operation: number | null;
  readonly retryAfter: number | null;
  readonly isConflict: boolean;
}
