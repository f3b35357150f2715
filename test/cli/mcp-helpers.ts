/**
 * Shared set-up for the `liveportrait mcp` tests: the BUILT command (`node dist/cli.js mcp`, as MCP
 * clients start it) driven by the MCP SDK's own `Client` over stdio, against an emulator on a
 * loopback port. Every session records what the server said (protocol messages and stderr), and each
 * test ends by checking that the API key appears nowhere in it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, expect } from 'vitest';
import type { RunningEmulator } from '../../src/testing/index.js';
import { CLI, KEY } from './helpers.js';

/** One connected MCP session with everything the server said so far. */
export interface McpSession {
  client: Client;
  /** The server's stderr so far. */
  stderr(): string;
  /** Every protocol message the server sent, serialized. */
  messages(): string[];
  /** Resolves with the first match of `pattern` in stderr, as soon as it appears. */
  waitForLog(pattern: RegExp): Promise<RegExpMatchArray>;
}

const sessions: McpSession[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
  for (const session of sessions.splice(0)) {
    expect(session.stderr()).not.toContain(KEY);
    expect(session.messages().join('\n')).not.toContain(KEY);
  }
});

/** Fails with a clear message when dist/cli.js is missing or older than the CLI's sources (MCP included). */
export function assertBuiltWithMcp(): void {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npx tsup` (npm test builds first)');
  const built = statSync(CLI).mtimeMs;
  const sources = ['src/cli', 'src/cli/mcp'].flatMap((dir) =>
    readdirSync(dir).map((name) => statSync(join(dir, name)).mtimeMs),
  );
  if (Math.max(...sources) > built) throw new Error('dist/cli.js is older than src/cli: run `npx tsup`');
}

/** Options of one session. */
export interface McpOptions {
  /** Points DASHSCOPE_HTTP_BASE_URL at it. */
  emu?: RunningEmulator;
  /** Extra arguments after `mcp`. */
  args?: string[];
  /** Environment on top of the test key (and the base URL); `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Instead of `node dist/cli.js mcp …`: the exact command to run (the README's block). */
  command?: { command: string; args: string[] };
}

/** Starts `liveportrait mcp` and connects the SDK's client to it; closed after the test. */
export async function connectMcp(options: McpOptions = {}): Promise<McpSession> {
  const env: Record<string, string> = { DASHSCOPE_API_KEY: KEY };
  if (options.emu) env.DASHSCOPE_HTTP_BASE_URL = options.emu.baseURL;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const command = options.command ?? {
    command: process.execPath,
    args: [CLI, 'mcp', ...(options.args ?? [])],
  };
  // The SDK adds only a safe default environment (PATH, HOME, …): no DASHSCOPE_* of this process.
  const transport = new StdioClientTransport({ ...command, env, stderr: 'pipe' });
  let stderr = '';
  const watchers = new Set<() => void>();
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    for (const watcher of [...watchers]) watcher();
  });
  const client = new Client({ name: 'liveportrait-test', version: '0.0.0' });
  await client.connect(transport);
  const messages: string[] = [];
  const onmessage = transport.onmessage;
  transport.onmessage = (message) => {
    messages.push(JSON.stringify(message));
    onmessage?.(message);
  };
  closers.push(() => client.close());
  const session: McpSession = {
    client,
    stderr: () => stderr,
    messages: () => messages,
    waitForLog: (pattern) => firstFound(watchers, () => stderr.match(pattern) ?? undefined),
  };
  sessions.push(session);
  return session;
}

/** Progress notifications of one call, and a way to wait for the first one that matches. */
export function progressLog() {
  const events: Progress[] = [];
  const watchers = new Set<() => void>();
  return {
    events,
    onprogress(event: Progress) {
      events.push(event);
      for (const watcher of [...watchers]) watcher();
    },
    /** Resolves with the first event (past or future) that `test` accepts. */
    waitFor: (test: (event: Progress) => boolean) => firstFound(watchers, () => events.find(test)),
  };
}

/** Resolves with what `find` returns once it returns something; rechecked whenever `watchers` are called. */
function firstFound<T>(watchers: Set<() => void>, find: () => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const check = () => {
      const found = find();
      if (found === undefined) return;
      watchers.delete(check);
      resolve(found);
    };
    watchers.add(check);
    check();
  });
}

/** Resolves once `condition` holds, checking every 50 ms; for state only visible by looking (the emulator's log). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** The text blocks of a tool result, joined. */
export function textOf(result: object): string {
  const blocks = ((result as { content?: unknown }).content ?? []) as Array<{ type: string; text?: string }>;
  return blocks
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('\n');
}
