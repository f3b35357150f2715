/**
 * Everything the CLI writes. Three modes, chosen once per run:
 * - `tty`: a live status line on stderr (spinner, task id, status, elapsed), redrawn in place;
 * - `plain`: one stderr line per status change, for logs and CI;
 * - `json`: exactly one JSON object on stdout and nothing else, for scripts.
 * In the first two, stdout carries only the result (a URL, a path, a task id, a status) so that
 * `$(liveportrait …)` captures just that. Every string passes through {@link Reporter.redact}.
 */
import { formatElapsed } from './duration.js';

/** How the CLI writes: see the file comment. */
export type OutputMode = 'tty' | 'plain' | 'json';

/** The part of a stream the reporter needs (process.stdout, or a test double). */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

/** Ten braille frames: a spinner needs no dependency. */
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 80;
/** Carriage return plus "erase whole line", so a shorter line leaves no tail of the longer one. */
const CLEAR_LINE = '\r\x1b[2K';

/** Picks the mode: `--json` wins; otherwise a live line only on a real terminal that can redraw. */
export function chooseMode(json: boolean, stderr: OutputStream, env: NodeJS.ProcessEnv): OutputMode {
  if (json) return 'json';
  return stderr.isTTY && env.TERM !== 'dumb' ? 'tty' : 'plain';
}

/** Writes results, progress and errors in the chosen mode; see the file comment. */
export class Reporter {
  readonly mode: OutputMode;
  readonly #stdout: OutputStream;
  readonly #stderr: OutputStream;
  readonly #secrets: string[] = [];
  readonly #now: () => number;
  #taskId: string | undefined;
  #status = '';
  #detail = '';
  #startedAt = 0;
  #frame = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lineShown = false;

  constructor(options: { mode: OutputMode; stdout: OutputStream; stderr: OutputStream; now?: () => number }) {
    this.mode = options.mode;
    this.#stdout = options.stdout;
    this.#stderr = options.stderr;
    this.#now = options.now ?? Date.now;
  }

  /** Registers a value that must never be written (the API key), whatever prints it. */
  addSecret(secret: string): void {
    if (secret.length >= 4) this.#secrets.push(secret);
  }

  /** Replaces every registered secret in `text`. */
  redact(text: string): string {
    return this.#secrets.reduce((out, secret) => out.split(secret).join('***'), text);
  }

  /** A progress or hint line on stderr; dropped in JSON mode. Keeps the status line below it. */
  info(line: string): void {
    if (this.mode === 'json') return;
    this.#clearLine();
    this.#stderr.write(`${this.redact(line)}\n`);
    this.#drawLine();
  }

  /**
   * Starts (or retargets) the live line for a task; `taskId` may be unknown while submitting. Prints
   * nothing by itself in plain mode: callers announce the task with {@link info}, a line that stays.
   */
  track(taskId: string | undefined, status: string): void {
    if (this.#startedAt === 0) this.#startedAt = this.#now();
    this.#taskId = taskId;
    this.#status = status;
    if (this.mode !== 'tty') return;
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), FRAME_MS);
      // The line is decoration: it must never be what keeps the process alive.
      this.#timer.unref();
    }
    this.#drawLine();
  }

  /** A new status of the tracked task (plain mode: one line per change). */
  progress(status: string): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#detail = '';
    if (this.mode === 'plain') this.info(`task ${this.#taskId ?? '?'}: ${status} (${this.#elapsed()})`);
    else this.#drawLine();
  }

  /** Extra text after the status (download progress); only the live line shows it. */
  detail(text: string): void {
    this.#detail = text;
    this.#drawLine();
  }

  /** Stops the spinner's timer and erases the live line. Safe to call more than once. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clearLine();
  }

  /** The command's result: `payload` as JSON in JSON mode, otherwise `line` on stdout (if any). */
  result(command: string, payload: Record<string, unknown>, line?: string): void {
    this.stop();
    if (this.mode === 'json') this.#json({ ok: true, command, ...payload });
    else if (line !== undefined) this.#stdout.write(`${this.redact(line)}\n`);
  }

  /** A failure: `payload` as JSON in JSON mode, otherwise `lines` on stderr. */
  failure(command: string | undefined, payload: Record<string, unknown>, lines: string[]): void {
    this.stop();
    if (this.mode === 'json') this.#json({ ok: false, command, ...payload });
    else this.#stderr.write(lines.map((line) => `${this.redact(line)}\n`).join(''));
  }

  #json(value: Record<string, unknown>): void {
    this.#stdout.write(`${this.redact(JSON.stringify(value))}\n`);
  }

  #elapsed(): string {
    return formatElapsed(this.#now() - this.#startedAt);
  }

  #tick(): void {
    this.#frame = (this.#frame + 1) % SPINNER.length;
    this.#drawLine();
  }

  #drawLine(): void {
    if (this.mode !== 'tty' || this.#timer === undefined) return;
    const parts = [
      SPINNER[this.#frame],
      this.#taskId ? `task ${this.#taskId}` : 'submitting…',
      this.#status,
      this.#elapsed(),
      this.#detail,
    ].filter(Boolean);
    // A line wider than the terminal wraps, and \r then only returns to the last row of it.
    const width = Math.max(20, (this.#stderr.columns || 80) - 1);
    this.#stderr.write(`${CLEAR_LINE}${this.redact(parts.join('  ')).slice(0, width)}`);
    this.#lineShown = true;
  }

  #clearLine(): void {
    if (!this.#lineShown) return;
    this.#stderr.write(CLEAR_LINE);
    this.#lineShown = false;
  }
}
