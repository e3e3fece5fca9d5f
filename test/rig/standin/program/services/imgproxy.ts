// darthsim/imgproxy: binds IMGPROXY_BIND (":5001" in the kit; imgproxy's own default is :8080),
// `/health` answers, and `imgproxy health` is the healthcheck command.
import { request } from 'node:http';
import { passHealthFault, sendText, serveHttp } from '../http-kit';
import { logInfo } from '../log';

function bindPort(): number {
  const bind = process.env.IMGPROXY_BIND ?? ':8080';
  return Number(bind.slice(bind.lastIndexOf(':') + 1) || '8080');
}

export function runImgproxy(args: string[]): void {
  if (args[0] === 'health') {
    const req = request(
      { host: '127.0.0.1', port: bindPort(), path: '/health', timeout: 3000 },
      (res) => {
        res.resume();
        process.exit(res.statusCode === 200 ? 0 : 1);
      },
    );
    req.on('error', () => process.exit(1));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
    return;
  }
  if (args[0] === 'version') {
    process.stdout.write('3.30.1-standin\n');
    return;
  }
  const port = bindPort();
  serveHttp(port, (_req, res, url) => {
    if (url.pathname === '/health') {
      if (passHealthFault(res)) sendText(res, 200, 'imgproxy is running');
    } else sendText(res, 404, 'Invalid URL');
  });
  logInfo(
    `Starting server at :${port}; local filesystem root ${process.env.IMGPROXY_LOCAL_FILESYSTEM_ROOT ?? '(none)'}`,
  );
}
