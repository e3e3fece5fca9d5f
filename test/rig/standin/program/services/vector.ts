// timberio/vector: `--config /etc/vector/vector.yml`; its API (and `/health`) on 9001. Like
// Vector, a missing config file stops it with exit code 78.
import { existsSync } from 'node:fs';
import { passHealthFault, sendJson, serveHttp } from '../http-kit';
import { logError, logInfo, logWarn } from '../log';

export function runVector(args: string[]): void {
  if (args[0] === '--version') {
    process.stdout.write('vector 0.53.0 (standin)\n');
    return;
  }
  const i = args.findIndex((a) => a === '--config' || a === '-c' || a === '--config-yaml');
  const config = i >= 0 ? args[i + 1] : undefined;
  if (config && !existsSync(config)) {
    logError(`Configuration error. error=Config file not found in path: ${config}`);
    process.exit(78);
  }
  if (!existsSync('/var/run/docker.sock')) logWarn('docker socket not mounted; no logs to collect');
  serveHttp(9001, (_req, res, url) => {
    if (url.pathname === '/health') {
      if (passHealthFault(res)) sendJson(res, 200, { ok: true });
    } else sendJson(res, 404, { error: 'not found' });
  });
  logInfo(`Vector has started. config=${config ?? '(default)'} api=0.0.0.0:9001`);
}
