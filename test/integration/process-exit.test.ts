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
    // The Agent keeps idle sockets for 10 s: a process held by them would still be alive 8 s after its
    // query answered. Counted from the answer, not from the spawn: starting tsx on a loaded machine
    // can itself take seconds.
    let killer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      killer ??= setTimeout(() => child.kill('SIGKILL'), 8_000);
    });
    const code = await new Promise((resolve) =>
      child.on('exit', (exitCode, signal) => resolve(exitCode ?? signal)),
    );
    clearTimeout(killer);
    expect(stdout.trim()).toBe('UNKNOWN');
    expect(code).toBe(0);
  });
});
