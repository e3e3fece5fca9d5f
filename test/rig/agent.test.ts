// Smoke test of the built agent bundle: one file, runnable by plain node with nothing beside it.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const AGENT = resolve('dist', 'agent', 'agent.cjs');

describe('agent bundle', () => {
  it('prints its version and protocol as JSON', async () => {
    if (!existsSync(AGENT)) throw new Error(`${AGENT} is missing: run npm run build first`);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const stdout = await new Promise<string>((ok, fail) =>
      execFile(process.execPath, [AGENT, 'version'], { timeout: 20_000 }, (err, out, errOut) =>
        err ? fail(new Error(`${err.message}\n${errOut}`)) : ok(out),
      ),
    );
    const info = JSON.parse(stdout) as { version?: unknown; protocol?: unknown };
    expect(info.version).toBe(pkg.version);
    expect(Number.isInteger(info.protocol) && (info.protocol as number) > 0).toBe(true);
  });
});
