// The part of curl's command line the kit's healthchecks use (`curl -sSfL --head -o /dev/null
// -H "Authorization: Bearer …" URL`, `curl http://localhost:4000/health`), with curl's exit
// codes: 6 name not resolved, 7 connection refused, 22 HTTP error with -f, 28 timeout.
import { createWriteStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

interface CurlOptions {
  url?: string;
  method?: string;
  headers: Record<string, string>;
  data?: string;
  output?: string;
  head: boolean;
  fail: boolean;
  follow: boolean;
  silent: boolean;
  showError: boolean;
  insecure: boolean;
  maxTimeMs: number;
}

const WITH_VALUE = new Set(['o', 'H', 'X', 'd', 'm', 'A', 'u', 'w', 'e']);
const LONG: Record<string, string> = {
  '--output': 'o',
  '--header': 'H',
  '--request': 'X',
  '--data': 'd',
  '--data-raw': 'd',
  '--max-time': 'm',
  '--user-agent': 'A',
  '--user': 'u',
  '--write-out': 'w',
  '--connect-timeout': 'm',
  '--silent': 's',
  '--show-error': 'S',
  '--fail': 'f',
  '--location': 'L',
  '--head': 'I',
  '--insecure': 'k',
  '--verbose': 'v',
};

export function parseCurlArgs(args: string[]): CurlOptions {
  const o: CurlOptions = {
    headers: {},
    head: false,
    fail: false,
    follow: false,
    silent: false,
    showError: false,
    insecure: false,
    maxTimeMs: 0,
  };
  const apply = (flag: string, value: string | undefined): void => {
    if (flag === 'o') o.output = value;
    else if (flag === 'H' && value) {
      const colon = value.indexOf(':');
      if (colon > 0)
        o.headers[value.slice(0, colon).trim().toLowerCase()] = value.slice(colon + 1).trim();
    } else if (flag === 'X') o.method = value;
    else if (flag === 'd') o.data = value;
    else if (flag === 'm') o.maxTimeMs = Number(value) * 1000;
    else if (flag === 'A' && value) o.headers['user-agent'] = value;
    else if (flag === 'u' && value)
      o.headers.authorization = `Basic ${Buffer.from(value).toString('base64')}`;
    else if (flag === 's') o.silent = true;
    else if (flag === 'S') o.showError = true;
    else if (flag === 'f') o.fail = true;
    else if (flag === 'L') o.follow = true;
    else if (flag === 'I') o.head = true;
    else if (flag === 'k') o.insecure = true;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg.startsWith('--')) {
      const flag = LONG[arg];
      if (flag && WITH_VALUE.has(flag)) apply(flag, args[++i]);
      else if (flag) apply(flag, undefined);
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const flag = arg[j] ?? '';
        if (WITH_VALUE.has(flag)) {
          apply(flag, j + 1 < arg.length ? arg.slice(j + 1) : args[++i]);
          break;
        }
        apply(flag, undefined);
      }
    } else o.url = arg;
  }
  return o;
}

export function runCurl(args: string[]): void {
  const o = parseCurlArgs(args);
  const fail = (code: number, message: string): never => {
    if (!o.silent || o.showError) process.stderr.write(`curl: (${code}) ${message}\n`);
    process.exit(code);
  };
  if (!o.url) fail(2, 'no URL specified');
  if (o.maxTimeMs > 0) setTimeout(() => fail(28, 'Operation timed out'), o.maxTimeMs).unref();
  const fetchOnce = (target: URL, redirects: number): void => {
    const method = o.method ?? (o.head ? 'HEAD' : o.data !== undefined ? 'POST' : 'GET');
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method,
        headers: { accept: '*/*', 'user-agent': 'curl/7.88.1', ...o.headers },
        rejectUnauthorized: !o.insecure,
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (o.follow && location && status >= 300 && status < 400 && redirects < 10) {
          res.resume();
          return fetchOnce(new URL(location, target), redirects + 1);
        }
        if (o.fail && status >= 400) {
          res.resume();
          fail(22, `The requested URL returned error: ${status}`);
        }
        const out = o.output && o.output !== '-' ? createWriteStream(o.output) : process.stdout;
        if (o.head) {
          const lines = [`HTTP/${res.httpVersion} ${status} ${res.statusMessage ?? ''}`];
          for (let i = 0; i < res.rawHeaders.length; i += 2)
            lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
          out.write(lines.join('\r\n') + '\r\n\r\n');
          res.resume();
          res.on('end', () => process.exit(0));
        } else {
          res.pipe(out as NodeJS.WritableStream);
          res.on('end', () => setImmediate(() => process.exit(0)));
        }
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN')
        fail(6, `Could not resolve host: ${target.hostname}`);
      fail(
        7,
        `Failed to connect to ${target.hostname} port ${target.port || 80}: ${error.message}`,
      );
    });
    req.end(o.data);
  };
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(o.url ?? '') ? (o.url ?? '') : `http://${o.url ?? ''}`);
  } catch {
    return fail(3, 'URL using bad/illegal format or missing URL');
  }
  fetchOnce(url, 0);
}
