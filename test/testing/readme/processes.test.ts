/**
 * The README's snippet for other processes, the CLI and the module-level generateVideo(), run as
 * written (between the region markers). Before it: `liveportrait` on PATH, as `npm test` puts a
 * user's node_modules/.bin there; here it is the built CLI (`npm test` builds first).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll as cleanUpAfterAll } from 'vitest';
import { assertBuilt, CLI } from '../../cli/helpers.js';

assertBuilt();
const bin = mkdtempSync(join(tmpdir(), 'lp-readme-bin-'));
writeFileSync(join(bin, 'liveportrait'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
chmodSync(join(bin, 'liveportrait'), 0o755);
const saved = ['PATH', 'DASHSCOPE_API_KEY', 'DASHSCOPE_HTTP_BASE_URL'].map((name) => [
  name,
  process.env[name],
]);
process.env.PATH = `${bin}${delimiter}${process.env.PATH ?? ''}`;
cleanUpAfterAll(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name as string];
    else process.env[name as string] = value;
  }
  rmSync(bin, { recursive: true, force: true });
});

// #region README
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { generateVideo } from 'dashscope-liveportrait';
import { startEmulator } from 'dashscope-liveportrait/testing';
import { afterAll, expect, it } from 'vitest';

const emulator = await startEmulator({ apiKeys: ['sk-test'], timeScale: 0.001 });
afterAll(() => emulator.close());
// Read by everything that makes its own client: generateVideo(), the CLI, child processes.
process.env.DASHSCOPE_API_KEY = 'sk-test';
process.env.DASHSCOPE_HTTP_BASE_URL = emulator.baseURL;

it('module-level generateVideo()', async () => {
  const video = await generateVideo('https://example.com/face.png', 'https://example.com/voice.mp3');
  expect(video.videoUrl.startsWith(emulator.url)).toBe(true);
});

it('the liveportrait CLI', async () => {
  const args = [
    'submit',
    '--image',
    'https://example.com/face.png',
    '--audio',
    'https://example.com/voice.mp3',
  ];
  const { stdout } = await promisify(execFile)('liveportrait', args); // node_modules/.bin is on PATH in npm test
  expect(emulator.tasks.get(stdout.trim())).toBeDefined();
});
// #endregion
