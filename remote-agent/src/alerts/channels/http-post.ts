import http from 'node:http';
import https from 'node:https';
import { USER_AGENT } from '../stores';

export const SEND_TIMEOUT_MS = 15_000;

/**
 * POSTs JSON and resolves on a 2xx answer. The error never quotes the URL: for Slack, Discord
 * and Telegram the URL itself is the secret.
 */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  timeoutMs = SEND_TIMEOUT_MS,
): Promise<void> {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  return postRaw(url, payload, headers, timeoutMs);
}

export function postRaw(
  url: string,
  payload: Buffer,
  headers: Record<string, string>,
  timeoutMs = SEND_TIMEOUT_MS,
): Promise<void> {
  const target = new URL(url);
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(payload.length),
          'user-agent': USER_AGENT,
          ...headers,
        },
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < 500) text += chunk;
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else {
            const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200);
            reject(
              new Error(`${target.host} answered HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`),
            );
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`${target.host} did not answer in ${timeoutMs / 1000} s`)),
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`${target.host}: ${error.code ?? error.message}`)),
    );
    req.end(payload);
  });
}
