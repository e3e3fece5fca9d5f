import { UsageError } from './args';

/**
 * Secrets never arrive as flag values (they would sit in shell history and `ps`): they are
 * typed at a hidden prompt on a terminal, or read from stdin one per line, in the order the
 * command documents.
 */
export class SecretInput {
  private lines: string[] | undefined;

  constructor(
    private readonly stdin: NodeJS.ReadStream = process.stdin,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {}

  get interactive(): boolean {
    return Boolean(this.stdin.isTTY);
  }

  /** The next line of stdin (all of stdin is read once, on first use). */
  async fromStdin(what: string): Promise<string> {
    if (!this.lines) {
      const chunks: Buffer[] = [];
      for await (const chunk of this.stdin) chunks.push(Buffer.from(chunk as Buffer));
      this.lines = Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
    }
    const line = this.lines.shift();
    if (line === undefined || line === '') throw new UsageError(`expected ${what} on stdin`);
    return line;
  }

  /** A hidden prompt on the terminal. */
  async prompt(question: string): Promise<string> {
    if (!this.interactive)
      throw new UsageError(`${question}: no terminal to ask on; use the matching --…-stdin flag`);
    const stdin = this.stdin;
    this.stderr.write(question + ': ');
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    try {
      return await new Promise<string>((resolve, reject) => {
        const onData = (buf: Buffer) => {
          for (const ch of buf.toString('utf8')) {
            if (ch === '\r' || ch === '\n') {
              stdin.off('data', onData);
              return resolve(value);
            }
            if (ch === '\u0003') {
              stdin.off('data', onData);
              return reject(new UsageError('cancelled'));
            }
            if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
            else value += ch;
          }
        };
        stdin.on('data', onData);
      });
    } finally {
      stdin.setRawMode(false);
      stdin.pause();
      this.stderr.write('\n');
    }
  }

  async confirm(question: string): Promise<boolean> {
    if (!this.interactive) return false;
    this.stderr.write(question + ' [y/N] ');
    const stdin = this.stdin;
    stdin.resume();
    const answer = await new Promise<string>((resolve) =>
      stdin.once('data', (d: Buffer) => resolve(d.toString())),
    );
    stdin.pause();
    return /^y(es)?\s*$/i.test(answer.trim());
  }
}
