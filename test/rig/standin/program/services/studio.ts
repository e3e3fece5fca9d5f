// supabase/studio: PORT (3000); the kit's healthcheck fetches /api/platform/profile with
// `node -e`, so the image carries node.
import { sendJson, sendText, serveHttp, passHealthFault } from '../http-kit';
import { logInfo } from '../log';

export function runStudio(): void {
  const port = Number(process.env.PORT ?? '3000');
  serveHttp(port, (_req, res, url) => {
    if (url.pathname === '/api/platform/profile' || url.pathname === '/api/profile') {
      if (!passHealthFault(res)) return;
      sendJson(res, 200, {
        id: 1,
        primary_email: 'admin@example.com',
        username: 'admin',
        first_name: 'Ultrabase',
        last_name: 'Stand-in',
        organizations: [
          { id: 1, name: process.env.DEFAULT_ORGANIZATION_NAME ?? 'Default Organization' },
        ],
      });
    } else if (url.pathname === '/') {
      res.writeHead(307, { location: '/project/default' }).end();
    } else if (url.pathname.startsWith('/project/')) {
      const title = process.env.DEFAULT_PROJECT_NAME ?? 'Default Project';
      sendText(res, 200, `<!doctype html><title>${title} | Supabase (stand-in)</title>`, {
        'content-type': 'text/html; charset=utf-8',
      });
    } else {
      sendText(res, 404, '404 | This page could not be found.');
    }
  });
  logInfo(`Ready: Next.js stand-in listening on port ${port}`);
}
