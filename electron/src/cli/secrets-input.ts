import type { CliInputStream, CliOutputStream } from './cli-io';
import type { MessageKey, Translate } from './i18n';
import { UsageError } from './usage-error';

/** What is asked for, as a catalogue key: shown in the person's language, named in English in
 *  `--json` errors (which never change with the language). */
export interface Question {
  key: MessageKey;
  values?: Record<string, string>;
}

/**
 * Secrets never arrive as flag values (they would sit in shell history and `ps`): they are
 * typed at a hidden prompt on a terminal, or read from stdin one per line, in the order the
 * command documents.
 */
export class SecretInput {
  private lines: string[] | undefined;

  constructor(
    private readonly stdin: CliInputStream,
    private readonly stderr: CliOutputStream,
    private readonly t: Translate,
  ) {}

  get interactive(): boolean {
    return Boolean(this.stdin.isTTY);
  }

  /** The next line of stdin (all of stdin is read once, on first use). */
  async fromStdin(what: Question): Promise<string> {
    if (!this.lines) {
      const chunks: Buffer[] = [];
      for await (const chunk of this.stdin) chunks.push(Buffer.from(chunk as Buffer));
      this.lines = Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
    }
    const line = this.lines.shift();
    if (line === undefined || line === '')
      throw new UsageError(
        'SECRET_UNAVAILABLE',
        'usageErrors.expectedOnStdin',
        {},
        {
          name: 'what',
          ...what,
        },
      );
    return line;
  }

  /** A hidden prompt on the terminal; `stdinFlag` is what to use instead without one. */
  async prompt(question: Question, stdinFlag: string): Promise<string> {
    if (!this.interactive)
      throw new UsageError(
        'SECRET_UNAVAILABLE',
        'usageErrors.noTerminal',
        { flag: stdinFlag },
        { name: 'what', ...question },
      );
    return this.readLine(this.t(question.key, question.values) + ': ', true);
  }

  /** A yes/no question; no terminal means no. */
  async confirm(question: string): Promise<boolean> {
    if (!this.interactive) return false;
    const answer = await this.readLine(`${question} ${this.t('secrets.yesNo')} `, false);
    return /^(y|yes|s|sim)$/i.test(answer.trim());
  }

  /** A visible line typed on the terminal, for confirmations that must be typed out. */
  async typed(question: string): Promise<string | undefined> {
    if (!this.interactive) return undefined;
    return (await this.readLine(question + ': ', false)).trim();
  }

  private async readLine(question: string, hidden: boolean): Promise<string> {
    const stdin = this.stdin;
    this.stderr.write(question);
    stdin.setRawMode?.(true);
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
              return reject(new UsageError('CANCELLED', 'usageErrors.cancelled'));
            }
            if (ch === '\u007f' || ch === '\b') {
              if (!hidden && value.length > 0) this.stderr.write('\b \b');
              value = value.slice(0, -1);
            } else {
              value += ch;
              if (!hidden) this.stderr.write(ch);
            }
          }
        };
        stdin.on('data', onData);
      });
    } finally {
      stdin.setRawMode?.(false);
      stdin.pause();
      this.stderr.write('\n');
    }
  }
}
