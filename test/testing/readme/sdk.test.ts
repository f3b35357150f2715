/** The README's "Testing your app" snippet for the SDK, run as written (between the region markers). */
// #region README
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionError, LivePortraitClient, TaskFailedError } from 'dashscope-liveportrait';
import { createEmulator, createEmulatorDispatcher } from 'dashscope-liveportrait/testing';
import { afterAll, expect, it, onTestFinished } from 'vitest';

// Jobs 1000× faster than DashScope's (about 20 ms), polled every 10–50 ms.
const emulator = createEmulator({ apiKeys: ['sk-test'], timeScale: 0.001 });
const client = new LivePortraitClient({
  apiKey: 'sk-test',
  dispatcher: createEmulatorDispatcher({ emulator }), // in-process: no port, no socket
  pollSchedule: { initialMs: 10, maxMs: 50 },
});
afterAll(() => client.close());

it('makes a video and saves it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'videos-'));
  onTestFinished(() => rmSync(dir, { recursive: true }));
  const output = join(dir, 'video.mp4');
  const video = await client.generateVideo('https://example.com/face.png', 'https://example.com/voice.mp3', {
    output,
  });
  expect(video.outputPath).toBe(output);
});

it('reports a failed job', async () => {
  // Built-in rule: an audio URL containing "fail" ends FAILED with a real DashScope code.
  await expect(
    client.generateVideo('https://example.com/face.png', 'https://example.com/fail.mp3'),
  ).rejects.toThrow(TaskFailedError);
});

it('never submits twice when the answer is lost', async () => {
  const before = emulator.stats.tasksCreated;
  emulator.faults.next(1, { route: 'submit', kind: 'reset-after-body' });
  await expect(
    client.submit({ imageUrl: 'https://example.com/face.png', audioUrl: 'https://example.com/voice.mp3' }),
  ).rejects.toThrow(ConnectionError);
  expect(emulator.stats.tasksCreated).toBe(before + 1); // created once, not retried
});
// #endregion
