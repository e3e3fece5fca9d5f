import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '@protocol/error-codes';
import { StackError } from '../stack-error';
import { parseRelease } from './catalog';
import type { StackRelease } from './schema';

/**
 * Releases shipped as files (`<id>.json`, one release each) in a directory: how a newer kit or
 * a private registry's set reaches an agent without a new agent build, and how the test rig
 * adds stand-in releases. A bad file stops the agent with its name rather than being skipped.
 */
export async function loadReleaseFiles(dir: string): Promise<StackRelease[]> {
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  const releases: StackRelease[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let value: unknown;
    try {
      value = JSON.parse(await fs.readFile(file, 'utf8'));
    } catch (err) {
      throw new StackError(
        ErrorCode.CONFIG_INVALID,
        `Stack release file ${file} is not JSON: ${(err as Error).message}`,
      );
    }
    const release = parseRelease(value);
    if (`${release.id}.json` !== name) {
      throw new StackError(
        ErrorCode.CONFIG_INVALID,
        `Stack release file ${file} holds release "${release.id}": name it ${release.id}.json.`,
      );
    }
    releases.push(release);
  }
  return releases;
}
