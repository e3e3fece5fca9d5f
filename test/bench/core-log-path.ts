// The core's share of a log flood, alone: json-file records framed as the agent sends them
// (remote-agent/src/logs/json-file-records.ts), fed in 32 KiB chunks through the real RpcClient,
// batch decoding and resume cursor. No SSH, no agent: what the core can take at most, to tell
// whether it or the pipeline (window ÷ round trip) limits the log row of `npm run bench`.
//   npx tsx test/bench/core-log-path.ts            (lines/s, three rounds)
//   node --cpu-prof --import tsx test/bench/core-log-path.ts   (a profile of it)
import { PassThrough, Duplex } from 'node:stream';
import { RpcClient } from '../../electron/src/core/rpc/client';
import { linesOfBatch } from '../../electron/src/core/servers/log-batch';
import { LogCursor } from '../../electron/src/core/servers/log-resume';
import { encodeRecordBatch } from '../../remote-agent/src/logs/json-file-records';

const N = 200_000;
const recs: Buffer[] = [];
for (let i = 0; i < N; i++) {
  const log =
    `2026-12-02 10:00:00.000 INFO request ${i} GET /rest/v1/items?select=* 200 12ms user=abc`.padEnd(
      99,
      'x',
    ) + '\n';
  recs.push(
    Buffer.from(
      JSON.stringify({
        log,
        stream: 'stdout',
        time: `2026-12-02T10:00:00.${String(i).padStart(9, '0')}Z`,
      }),
    ),
  );
}
// Messages as the agent writes them: ~256 KiB of records each (logs/json-file-follower.ts).
const msgs: Buffer[] = [];
let batch: Buffer[] = [];
let size = 0;
let seq = 0;
const flush = () => {
  const data = encodeRecordBatch('db', {
    joined: Buffer.from(batch.join(',')),
    count: batch.length,
  });
  const head = `{"jsonrpc":"2.0","method":"stream.data","params":{"stream":"s1","seq":${++seq},"bytes":${data.length},"data":`;
  msgs.push(Buffer.concat([Buffer.from(head), data, Buffer.from('}}\n')]));
  batch = [];
  size = 0;
};
for (const r of recs) {
  batch.push(r);
  size += r.length;
  if (size >= Number(process.env.MSG_KIB ?? 256) * 1024) flush();
}
if (batch.length) flush();
const total = msgs.reduce((n, m) => n + m.length, 0);

for (let round = 0; round < 3; round++) {
  const toClient = new PassThrough();
  const channel = Duplex.from({ readable: toClient, writable: new PassThrough() });
  const rpc = new RpcClient(channel);
  const cursor = new LogCursor();
  let lines = 0;
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    rpc.attachStream('logs.follow', 's1', {
      data: (p) => {
        const b = linesOfBatch(p.data as never);
        lines += cursor.accept(b.lines).length;
        if (lines >= N) resolve();
      },
      end: () => {},
    });
    // 32 KiB chunks, as an SSH channel delivers them.
    for (const m of msgs)
      for (let o = 0; o < m.length; o += 32768) toClient.write(m.subarray(o, o + 32768));
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(
    `round ${round}: ${N} lines, ${(total / 1e6).toFixed(1)} MB in ${ms.toFixed(0)} ms = ${Math.round(N / (ms / 1000)).toLocaleString('en')} lines/s, ${(total / 1e6 / (ms / 1000)).toFixed(0)} MB/s`,
  );
}
process.exit(0);
