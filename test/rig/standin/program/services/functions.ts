// supabase/edge-runtime: `start --main-service /home/deno/functions/main [--port 9000]`. A request
// to /<name> answers when /home/deno/functions/<name>/ exists; with VERIFY_JWT=true the bearer
// token must be signed with JWT_SECRET, as the kit's main function checks.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { passHealthFault, sendJson, serveHttp, bearerToken } from '../http-kit';
import { verifyJwt } from '@common/jwt';
import { logError, logInfo } from '../log';

const NAME = /^[A-Za-z0-9_-]+$/;

export function runFunctions(args: string[]): void {
  if (args[0] === '--version' || args[0] === '-V') {
    process.stdout.write('edge-runtime 1.70.3-standin\n');
    return;
  }
  const option = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const mainService = option('--main-service') ?? '/home/deno/functions/main';
  const port = Number(option('--port') ?? option('-p') ?? '9000');
  const root = dirname(mainService);
  const verify = process.env.VERIFY_JWT === 'true';
  const secret = process.env.JWT_SECRET ?? '';
  const booted = existsSync(mainService);
  if (!booted) logError(`main worker boot error: ${mainService} does not exist`);

  serveHttp(port, (req, res, url) => {
    if (url.pathname === '/_internal/health') {
      if (passHealthFault(res))
        sendJson(res, booted ? 200 : 503, { message: booted ? 'ok' : 'boot error' });
      return;
    }
    if (!booted) {
      sendJson(res, 500, { msg: 'InvalidWorkerCreation: main worker boot error' });
      return;
    }
    if (verify) {
      const token = bearerToken(req.headers.authorization);
      if (!token || !verifyJwt(token, secret).ok) {
        sendJson(res, 401, { msg: 'Invalid JWT' });
        return;
      }
    }
    const name = url.pathname.split('/')[1] ?? '';
    if (!NAME.test(name) || !existsSync(join(root, name))) {
      sendJson(res, 404, { msg: `function not found: ${name}` });
      return;
    }
    sendJson(res, 200, 'Hello from Edge Functions!');
  });
  logInfo(`main worker listening on http://0.0.0.0:${port} (main service ${mainService})`);
}
