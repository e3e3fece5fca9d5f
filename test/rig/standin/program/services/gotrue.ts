// supabase/gotrue (Auth): /health on GOTRUE_API_PORT (9999), database from
// GOTRUE_DB_DATABASE_URL, tokens checked against GOTRUE_JWT_SECRET.
import { DbProbe, passHealth, targetFromUrl } from '../db-probe';
import { sendJson, serveHttp, bearerToken } from '../http-kit';
import { verifyJwt } from '@common/jwt';
import { logInfo } from '../log';

export function runGotrue(): void {
  const env = process.env;
  const port = Number(env.GOTRUE_API_PORT ?? env.PORT ?? '9999');
  const probe = new DbProbe(targetFromUrl(env.GOTRUE_DB_DATABASE_URL ?? env.DATABASE_URL));
  const secret = env.GOTRUE_JWT_SECRET ?? '';
  serveHttp(port, async (req, res, url) => {
    if (url.pathname === '/health') {
      const body = (error: string) => ({ code: 500, error_code: 'unexpected_failure', msg: error });
      if (!(await passHealth(res, probe, body))) return;
      sendJson(res, 200, {
        version: 'v2.186.0-standin',
        name: 'GoTrue',
        description: 'GoTrue is a user registration and authentication API',
      });
    } else if (url.pathname === '/settings') {
      sendJson(res, 200, {
        external: { email: env.GOTRUE_EXTERNAL_EMAIL_ENABLED !== 'false', phone: false },
        disable_signup: env.GOTRUE_DISABLE_SIGNUP === 'true',
        mailer_autoconfirm: env.GOTRUE_MAILER_AUTOCONFIRM === 'true',
        phone_autoconfirm: false,
        sms_provider: '',
        saml_enabled: false,
      });
    } else if (url.pathname === '/user') {
      const token = bearerToken(req.headers.authorization);
      if (!token) {
        sendJson(res, 401, {
          code: 401,
          error_code: 'no_authorization',
          msg: 'This endpoint requires a valid Bearer token',
        });
        return;
      }
      const check = verifyJwt(token, secret);
      if (!check.ok || typeof check.claims.sub !== 'string') {
        const reason = check.ok
          ? 'invalid claim: missing sub claim'
          : `invalid JWT: ${check.reason}`;
        sendJson(res, 403, { code: 403, error_code: 'bad_jwt', msg: reason });
        return;
      }
      sendJson(res, 200, { id: check.claims.sub, role: check.claims.role, aud: 'authenticated' });
    } else {
      sendJson(res, 404, { code: 404, error_code: 'not_found', msg: 'Unsupported path' });
    }
  });
  logInfo(`GoTrue API started on: 0.0.0.0:${port}, database ${probe.describeTarget()}`);
}
