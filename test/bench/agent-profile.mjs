// Run inside the agent's network namespace (nsenter --net=/proc/<pid>/ns/net): attaches to the
// agent's inspector (opened by SIGUSR1 on 127.0.0.1:9229), profiles it until stdin closes, and
// writes the V8 CPU profile to argv[2]. Used by test/bench/latency-probe.ts.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';

const WebSocket = createRequire(import.meta.url)(process.env.WS_MODULE);
const out = process.argv[2];
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
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: Number(process.env.INTERVAL_US || 100) });
  await post('Profiler.start');
  process.stdout.write('started\n');
  process.stdin.resume();
  await new Promise((r) => process.stdin.once('end', r));
  const { profile } = await post('Profiler.stop');
  writeFileSync(out, JSON.stringify(profile));
  await post('Profiler.disable');
  ws.close();
  process.stdout.write('stopped\n');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
