import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface StackSummary {
  services: string[];
  /** Service → image reference, as written in the compose file. */
  images: Map<string, string>;
}

/**
 * Service names and images of a rendered compose file, read without a YAML library: the stack
 * generator writes block-style YAML (or JSON, which is YAML too) with services two spaces
 * deep and their keys four deep. Asking `compose config` instead would cost a Python start
 * (~0.5 s with v1) on every creation.
 */
export function summarizeComposeFile(text: string): StackSummary {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    const doc = JSON.parse(trimmed) as { services?: Record<string, { image?: string }> };
    const services = Object.keys(doc.services ?? {});
    const images = new Map<string, string>();
    for (const [name, svc] of Object.entries(doc.services ?? {})) {
      if (svc.image) images.set(name, svc.image);
    }
    return { services, images };
  }
  const services: string[] = [];
  const images = new Map<string, string>();
  let inServices = false;
  let current: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trimEnd();
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    if (indent === 0) {
      inServices = /^services:\s*$/.test(line);
      current = undefined;
      continue;
    }
    if (!inServices) continue;
    const key = /^\s+['"]?([A-Za-z0-9_.-]+)['"]?:\s*(.*)$/.exec(line);
    if (!key?.[1]) continue;
    if (indent === 2) {
      current = key[1];
      services.push(current);
    } else if (indent === 4 && current && key[1] === 'image' && key[2]) {
      images.set(current, key[2].replace(/^['"]|['"]$/g, ''));
    }
  }
  return { services, images };
}

export async function readStack(dir: string): Promise<StackSummary> {
  return summarizeComposeFile(await readFile(join(dir, 'docker-compose.yml'), 'utf8'));
}
