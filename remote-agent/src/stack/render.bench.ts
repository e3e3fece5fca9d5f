// The stack's share of an instance creation's control plane (DESIGN.md §7 budgets the whole
// control plane at 100 ms): credentials, rendering, the atomic write of every file, and the
// diff repair runs. Rerun: npx tsx remote-agent/src/stack/render.bench.ts [runs]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCredentials } from '../credentials/generate';
import { diffStackFiles, writeStackFiles } from './files';
import { renderStack, type StackInput } from './render';

const runs = Number(process.argv[2] ?? 50);
const root = mkdtempSync(join(tmpdir(), 'ub-stack-bench-'));

function input(i: number): StackInput {
  return {
    instanceId: `bench${String(i).padStart(4, '0')}`,
    name: `Bench ${i}`,
    ports: {
      kongHttp: 8000 + i,
      kongHttps: 8400 + i,
      postgres: 5400 + i,
      poolerTransaction: 6400 + i,
    },
    exposure: 'private',
    secrets: generateCredentials(),
    imageOverrides: {},
  };
}

async function time(fn: (i: number) => unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await fn(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return samples.sort((a, b) => a - b);
}

const inputs = Array.from({ length: runs }, (_, i) => input(i));
const rendered = inputs.map((x) => renderStack(x));
const rows: Array<[string, number[]]> = [
  ['generateCredentials', await time(() => generateCredentials())],
  ['renderStack', await time((i) => renderStack(inputs[i]!))],
  [
    'writeStackFiles (fsync)',
    await time((i) => writeStackFiles(join(root, `w${i}`), rendered[i]!)),
  ],
  ['diffStackFiles', await time((i) => diffStackFiles(join(root, `w${i}`), rendered[i]!))],
];
rmSync(root, { recursive: true, force: true });

const pct = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
console.log(`runs: ${runs}, files per stack: ${rendered[0]!.files.length}`);
console.log('step                      median ms   p90 ms');
for (const [name, s] of rows) {
  console.log(
    `${name.padEnd(24)} ${pct(s, 0.5).toFixed(2).padStart(10)} ${pct(s, 0.9).toFixed(2).padStart(8)}`,
  );
}
