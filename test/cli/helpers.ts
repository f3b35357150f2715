/**
 * Shared set-up for the CLI tests: the BUILT command (`node dist/cli.js`, as users run it) against an
 * emulator on a loopback port in this test process. `npm test` builds before vitest runs; for a local
 * run, `npx tsup` first (the check below says so instead of testing a stale build).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type RunningEmulator, type StartEmulatorOptions, startEmulator } from '../../src/testing/index.js';
import { onCleanup } from '../helpers/cleanup.js';
import { AUDIO, IMAGE } from '../helpers/media-urls.js';

export const CLI = resolve('dist/cli.js');
/** The key the emulator accepts; every test also asserts it never appears in any output. */
export const KEY = 'sk-cli-test-5f3a9c0e7d21';
export { AUDIO, IMAGE };

/** Absolute path of a committed media fixture (test/fixtures/media). */
export function fixture(name: string): string {
  return resolve('test/fixtures/media', name);
}

/** Fails with a clear message when dist/cli.js is missing or older than the CLI's sources. */
export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npx tsup` (npm test builds first)');
  const built = statSync(CLI).mtimeMs;
  const sources = readdirSync('src/cli').map((name) => statSync(join('src/cli', name)).mtimeMs);
  if (Math.max(...sources) > built) throw new Error('dist/cli.js is older than src/cli: run `npx tsup`');
}

/**
 * For `queueMs`/`runMs`: a task that stays PENDING (or RUNNING) for good, however long a loaded machine
 * takes to start the CLI a few times. (A minute of real time was enough only on an idle one.)
 */
export const FOREVER = Number.POSITIVE_INFINITY;

/**
 * An emulator whose tasks end well within the CLI's first poll (about 1 s after submit), so each
 * waiting command needs one or two polls. Closed after the test.
 */
export async function emulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const running = await startEmulator({ apiKeys: [KEY], queueMs: 100, runMs: 200, ...options });
  onCleanup(() => running.close());
  return running;
}

/** What a finished CLI run left behind. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of one CLI run. */
export interface CliOptions {
  /** Adds `--base-url` pointing at it. */
  emu?: RunningEmulator;
  /** Environment on top of a minimal one (PATH and the test key); `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
}

/** A running CLI process with its output so far. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr, as soon as it appears. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves when the process exits. */
  done: Promise<CliResult>;
}

/** Starts `liveportrait args…`. The parent's DASHSCOPE_* variables never leak in. */
export function spawnCli(args: string[], options: CliOptions = {}): CliProcess {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', DASHSCOPE_API_KEY: KEY };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const fullArgs = options.emu ? [...args, '--base-url', options.emu.baseURL] : args;
  const child = spawn(process.execPath, [CLI, ...fullArgs], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers: Array<() => void> = [];
  const onData = () => {
    for (const watcher of [...watchers]) watcher();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    onData();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    onData();
  });
  const done = new Promise<CliResult>((resolveDone, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolveDone({ code, stdout, stderr }));
  });
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    waitFor(pattern) {
      return new Promise((resolveMatch, reject) => {
        const check = () => {
          const match = (stdout + stderr).match(pattern);
          if (!match) return false;
          const index = watchers.indexOf(check);
          if (index >= 0) watchers.splice(index, 1);
          resolveMatch(match);
          return true;
        };
        if (check()) return;
        watchers.push(check);
        done.then(() => {
          if (watchers.includes(check)) reject(new Error(`exited before ${pattern}:\n${stdout}\n${stderr}`));
        });
      });
    },
  };
}

/** Runs `liveportrait args…` to completion and checks the key never appears in its output. */
export async function cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const result = await spawnCli(args, options).done;
  if ((result.stdout + result.stderr).includes(KEY)) throw new Error('the API key appeared in the output');
  return result;
}

/** Parses the one JSON object a `--json` run prints, failing if stdout holds anything else. */
export function jsonOf(result: CliResult): Record<string, unknown> {
  const lines = result.stdout.trimEnd().split('\n');
  if (lines.length !== 1) throw new Error(`expected one line of JSON, got:\n${result.stdout}`);
  return JSON.parse(lines[0] ?? '') as Record<string, unknown>;
}
