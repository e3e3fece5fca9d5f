import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The local port each forward last used, by server and remote port (one remote port is one
 * project's Kong), in `<home>/forward-ports.json`. A private project's Studio links and auth
 * redirects name `127.0.0.1:<port>`: with the same local port every time (the server's own
 * number when it is free here) those links keep working across restarts of the app.
 */
export class RememberedPorts {
  private ports: Record<string, number> | undefined;

  constructor(private readonly file: string) {}

  get(key: string): number | undefined {
    const port = this.load()[key];
    return Number.isInteger(port) && port! > 0 && port! < 65536 ? port : undefined;
  }

  async set(key: string, port: number): Promise<void> {
    const ports = this.load();
    if (ports[key] === port) return;
    ports[key] = port;
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(ports, null, 2) + '\n', { mode: 0o600 });
    await rename(temp, this.file);
  }

  private load(): Record<string, number> {
    if (!this.ports) {
      try {
        const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
        this.ports =
          typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
            ? (parsed as Record<string, number>)
            : {};
      } catch {
        this.ports = {};
      }
    }
    return this.ports;
  }
}
