import { request } from 'node:http';

export interface HttpAnswer {
  status: number;
  /** The first few KB of the body: enough for evidence, bounded for a misbehaving server. */
  body: string;
}

/** A plain GET; rejects on connection errors and when `signal` aborts. */
export type HttpGet = (
  url: string,
  options: { headers?: Record<string, string>; signal: AbortSignal },
) => Promise<HttpAnswer>;

const BODY_LIMIT = 4096;

export const httpGet: HttpGet = (url, { headers, signal }) =>
  new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, signal }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < BODY_LIMIT) body += chunk;
        else res.destroy();
      });
      const finish = () =>
        resolve({ status: res.statusCode ?? 0, body: body.slice(0, BODY_LIMIT) });
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
    });
    req.on('error', reject);
    req.end();
  });
