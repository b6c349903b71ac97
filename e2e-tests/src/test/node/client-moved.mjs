// The JavaScript client, given one fanout node's address, subscribes to a table another node serves:
// it must follow the 'moved' frame there, go live and receive a change written afterwards.
// Usage: node --experimental-websocket client-moved.mjs API_URL FANOUT_URL TABLE ADMIN_KEY
import { fail, loadClient } from './client-loader.mjs';

const [api, fanout, table, adminKey] = process.argv.slice(2);
setTimeout(() => fail('not live with the change within 60 s'), 60_000).unref();

const { subscribe } = await loadClient(fanout);

const statuses = [];
const changes = [];
const subscription = subscribe(fanout, table, { key: adminKey });
subscription.on('status', (s) => statuses.push(s));
subscription.on('change', (c) => changes.push(c));
subscription.on('error', (e) => fail(`error ${e.error}: ${e.message}`));
const until = async (what, check) => {
  for (let i = 0; i < 500; i++) { if (check()) return; await new Promise((r) => setTimeout(r, 100)); }
  fail(`timed out waiting for ${what}; statuses ${statuses.join(', ')}`);
};
await until('live', () => subscription.status === 'live');
const response = await fetch(`${api}/v1/tables/${table}/keys/moved`, {
  method: 'PUT', headers: { authorization: `Bearer ${adminKey}` }, body: JSON.stringify({ followed: true }),
});
if (response.status !== 200) fail(`the write answered ${response.status}`);
await until('the change', () => changes.some((c) => c.key === 'moved' && c.value?.followed === true));
if (!statuses.includes('reconnecting')) fail(`never moved: statuses ${statuses.join(', ')}`);
subscription.close();
console.log(`OK: followed moved to the owner and got the change (statuses ${statuses.join(', ')})`);
