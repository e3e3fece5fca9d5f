// darthsim/imgproxy: binds IMGPROXY_BIND (":5001" in the kit; imgproxy's own default is :8080),
// `/health` answers (`imgproxy health`, the kit's healthcheck, is runtime/imgproxy).
import { passHealthFault, sendText, serveHttp } from '../http-kit';
import { logInfo } from '../log';

function bindPort(): number {
  const bind = process.env.IMGPROXY_BIND ?? ':8080';
  return Number(bind.slice(bind.lastIndexOf(':') + 1) || '8080');
}

export function runImgproxy(args: string[]): void {
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
