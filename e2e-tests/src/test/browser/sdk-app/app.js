// Three tables watched over one connection, and writes through the SDK: the whole page is rtkv-client.
import { createClient } from 'rtkv-client';

const params = new URLSearchParams(location.hash.slice(1));
const rtkv = createClient({ api: params.get('api'), fanout: params.get('fanout'), key: params.get('key') });
const tables = params.get('tables').split(',');
let writes = 0;

const section = (name) => {
  const div = document.createElement('section');
  div.dataset.table = name;
  div.innerHTML = '<h2></h2><p class="status"></p><ul></ul>';
  div.querySelector('h2').textContent = name;
  document.querySelector('#tables').append(div);
  return div;
};

const views = tables.map((name) => {
  const div = section(name);
  const view = rtkv.table(name).subscribe();
  const render = () => {
    div.querySelector('.status').textContent = view.status;
    div.querySelector('ul').replaceChildren(...view.entries().map(([key, entry]) => {
      const li = document.createElement('li');
      li.dataset.key = key;
      li.textContent = `${key} = ${JSON.stringify(entry.value)} @${entry.version}`;
      return li;
    }));
    document.querySelector('#connections').textContent = String(rtkv.connections);
    document.querySelector('#write').disabled = !views.every((v) => v.status === 'live');
  };
  view.on('snapshot', render).on('change', render).on('status', render);
  return view;
});

document.querySelector('#write').addEventListener('click', async () => {
  writes++;
  try {
    await Promise.all(tables.map((name, i) => rtkv.table(name).put(`k${i}`, { write: writes, table: i })));
    await rtkv.table(tables[0]).incr('clicks');
  } catch (e) {
    document.querySelector('#error').textContent = `${e.name} ${e.code}: ${e.message}`;
    console.error('rtkv write failed', e.code, e.message, e.cause?.message);
  }
});
