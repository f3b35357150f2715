/**
 * Helpers of the fleet-mode tests: a real redis-server per test file, child processes running
 * TypeScript fixtures, and the "no one-second window holds more than N" check.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type RedisServer, startRedisServer } from './server.js';

/** A redis-server for the whole file, emptied (FLUSHALL through a fresh start) on demand. */
export function useRedisServer(): { readonly server: RedisServer } {
  const holder: { server?: RedisServer } = {};
  beforeAll(async () => {
    holder.server = await startRedisServer();
  });
  afterAll(async () => {
    await holder.server?.stop();
  });
  return {
    get server(): RedisServer {
      if (!holder.server) throw new Error('redis-server not started');
      return holder.server;
    },
  };
}

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

/** Path of a fixture under test/redis/fixtures. */
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** A TypeScript fixture run by node + tsx; killed after the test if still running. */
export function runChild(file: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.add(child);
  return child;
}

/** Resolves with the child's stdout once it exits 0; rejects with its stderr otherwise. */
export async function outputOf(child: ChildProcess): Promise<string> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  if (code !== 0) throw new Error(`child exited with ${code ?? signal}: ${stderr.slice(-2000)}`);
  return stdout;
}

/** The most events inside any half-open window `[t, t + windowLength)`; `times` in any one unit. */
export function busiestWindow(times: readonly number[], windowLength: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    while (end < sorted.length && (sorted[end] as number) < (sorted[start] as number) + windowLength) end++;
    most = Math.max(most, end - start);
  }
  return most;
}
