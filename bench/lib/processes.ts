/** Child processes for the benchmarks: the canned server, and timed one-shot node runs. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const benchFile = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** Starts the canned task server; resolves with its base URL and a stop function. */
export async function cannedServer(): Promise<{ baseURL: string; stop(): void }> {
  const child = spawn(process.execPath, [benchFile('lib/canned-server.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout as NonNullable<ChildProcess['stdout']>, 'data')) as [Buffer];
  const port = Number(chunk.toString().trim());
  return { baseURL: `http://127.0.0.1:${port}/api/v1`, stop: () => child.kill() };
}

/** Runs `node args…`; resolves with its stdout and how long it took from spawn to exit, ms. */
export async function timedNode(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}`);
  return { ms: performance.now() - started, stdout };
}

/** The built package (what users install), typed as the source it is built from. */
export async function importDist(): Promise<typeof import('../../src/index.js')> {
  const path: string = benchFile('../dist/index.js');
  return import(path);
}
