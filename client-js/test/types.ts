// The package's types as an app's TypeScript meets them: checked by tsc --strict in the build, never run.
import { createClient, RtkvError, subscribe, type Change, type Status } from 'rtkv-client';

const rtkv = createClient({ api: 'http://127.0.0.1:8080', fanout: 'ws://127.0.0.1:8081', key: 'k' });

export async function everyCall(): Promise<void> {
  const t = rtkv.table('t');
  const written = await t.put('a', { n: 1 }, { ifVersion: 1, ttl: 5, idempotencyKey: 'i' });
  const version: number = written.version;
  const entry = await t.get('a');
  if (entry) console.log(entry.value, entry.version, entry.expiresAt);
  const page = await t.list({ prefix: 'a', after: 'a0', limit: 10 });
  console.log(page.next, page.keys.map((e) => e.key), version);
  const results = await t.batch([{ op: 'put', key: 'x', value: [1, 'two', null] }, { op: 'incr', key: 'n', by: 2 },
    { op: 'delete', key: 'y', ifVersion: 3 }], { idempotencyKey: 'b' });
  console.log(results.length, await t.delete('x'), await t.ttl('a', null), (await t.incr('n', 1, { keepalive: true })).value);
  try {
    await t.incr('n');
  } catch (e) {
    if (e instanceof RtkvError) console.log(e.code, e.status, e.detail, e.isConflict, e.currentVersion, e.retryAfter);
  }
}

export function live(): void {
  const s = rtkv.table('t').subscribe({ prefix: 'a', conflate: 250 })
    .on('change', (c: Change) => console.log(c.op, c.key, c.token))
    .on('status', (status: Status) => console.log(status))
    .on('snapshot', (state) => console.log(state.size))
    .on('error', (frame) => console.log(frame.error));
  console.log(s.entries(), s.get('a')?.version, s.token, s.subscribers, rtkv.connections);
  s.close();
  rtkv.close();
  subscribe('ws://127.0.0.1:8081', 't', { key: 'k', conflate: 250 }).on('change', (c) => console.log(c.value)).close();
}
