// Run inside the agent's network namespace (nsenter --net=/proc/<pid>/ns/net): attaches to the
// agent's inspector (opened by SIGUSR1 on 127.0.0.1:9229) and prints, as one JSON line, what its
// memory is made of: process.memoryUsage() and V8's heap spaces, then the same after a full GC
// (HeapProfiler.collectGarbage) when argv[2] is "gc". Used by test/bench/measures/memory.ts
// (BENCH_MEMORY=1) to say what the RSS rows are made of.
import http from 'node:http';
import { createRequire } from 'node:module';

const WebSocket = createRequire(import.meta.url)(process.env.WS_MODULE);
const get = (url) =>
  new Promise((resolve, reject) =>
    http
      .get(url, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve(JSON.parse(b)));
      })
      .on('error', reject),
  );
const EXPR = `JSON.stringify((() => {
  const v8 = process.mainModule ? process.mainModule.require('v8') : null;
  return {
    usage: process.memoryUsage(),
    spaces: v8 ? Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name,
      { size: s.space_size, used: s.space_used_size, committed: s.physical_space_size }])) : null,
    heap: v8 ? v8.getHeapStatistics() : null,
  };
})())`;
(async () => {
  let list;
  for (let i = 0; i < 50 && !list; i++) {
    list = await get('http://127.0.0.1:9229/json/list').catch(() => undefined);
    if (!list) await new Promise((r) => setTimeout(r, 100));
  }
  const ws = new WebSocket(list[0].webSocketDebuggerUrl);
  await new Promise((r) => ws.once('open', r));
  let next = 1;
  const waiting = new Map();
  ws.on('message', (m) => {
    const msg = JSON.parse(String(m));
    if (msg.id && waiting.has(msg.id)) waiting.get(msg.id)(msg.result);
  });
  const post = (method, params = {}) =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  const sample = async () =>
    JSON.parse(
      (await post('Runtime.evaluate', { expression: EXPR, returnByValue: true })).result.value,
    );
  const out = { before: await sample() };
  if (process.argv[2] === 'gc') {
    await post('HeapProfiler.collectGarbage');
    out.afterGc = await sample();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  ws.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
