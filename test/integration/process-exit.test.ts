import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { emulator } from '../helpers/setup.js';

describe('an idle client', () => {
  it('does not keep the process alive: idle keep-alive sockets are not a reason to stay', async () => {
    const running = await emulator();
    const child = spawn(
      process.execPath,
      ['node_modules/tsx/dist/cli.mjs', 'test/fixtures/one-query-no-close.ts', running.baseURL],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    // The Agent keeps idle sockets for 10 s: a process held by them would still be alive at 8 s.
    const killer = setTimeout(() => child.kill('SIGKILL'), 8_000);
    const code = await new Promise((resolve) =>
      child.on('exit', (exitCode, signal) => resolve(exitCode ?? signal)),
    );
    clearTimeout(killer);
    expect(stdout.trim()).toBe('UNKNOWN');
    expect(code).toBe(0);
  }, 20_000);
});
