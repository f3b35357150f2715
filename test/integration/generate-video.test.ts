import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError, generateVideo, TaskFailedError } from '../../src/index.js';
import { API_KEY, AUDIO, emulator, IMAGE } from '../helpers/setup.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Sockets open now, to show the module-level call closed the client it made. */
const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;

describe('module-level generateVideo()', () => {
  it('builds a client from the environment, returns the video, and closes the client', async () => {
    const running = await emulator();
    vi.stubEnv('DASHSCOPE_API_KEY', API_KEY);
    vi.stubEnv('DASHSCOPE_HTTP_BASE_URL', running.baseURL);
    const before = sockets();
    const submitted: string[] = [];
    const video = await generateVideo(IMAGE, AUDIO, {
      videoFps: 30,
      onSubmitted: ({ taskId }) => submitted.push(taskId),
    });
    expect(video.videoUrl).toContain(`/results/${video.taskId}`);
    expect(submitted).toEqual([video.taskId]);
    expect(running.tasks.get(video.taskId)?.parameters).toEqual({ video_fps: 30 });
    // Closing sockets are reported closed a few event-loop turns later, many more on a loaded machine:
    // give them up to 5 s of real time (a socket the client kept open never goes).
    const giveUpAt = performance.now() + 5_000;
    while (sockets() > before && performance.now() < giveUpAt) await new Promise((r) => setImmediate(r));
    expect(sockets()).toBeLessThanOrEqual(before);
  });

  it('rejects with the typed errors, and without a key at all with ConfigurationError', async () => {
    const running = await emulator();
    vi.stubEnv('DASHSCOPE_API_KEY', API_KEY);
    vi.stubEnv('DASHSCOPE_HTTP_BASE_URL', running.baseURL);
    await expect(generateVideo(IMAGE, 'https://example.com/fail.mp3')).rejects.toBeInstanceOf(
      TaskFailedError,
    );
    vi.stubEnv('DASHSCOPE_API_KEY', '');
    await expect(generateVideo(IMAGE, AUDIO)).rejects.toBeInstanceOf(ConfigurationError);
  });
});
