/** The msw handlers in-process (setupServer + global fetch), the way a user whose code uses fetch runs them. */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createDashScopeHandlers,
  createEmulator,
  createManualClock,
  DEFAULT_BASE_URL,
} from '../../src/testing/index.js';

const clock = createManualClock();
const emulator = createEmulator({ now: clock.now, apiKeys: ['sk-test'], queueMs: 1000, runMs: 1000 });
const server = setupServer(...createDashScopeHandlers({ emulator }));
const headers = {
  authorization: 'Bearer sk-test',
  'content-type': 'application/json',
  'x-dashscope-async': 'enable',
};

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => emulator.reset());
afterAll(() => server.close());

async function submit(): Promise<string> {
  const answer = await fetch(`${DEFAULT_BASE_URL}/services/aigc/image2video/video-synthesis/`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      model: 'liveportrait',
      input: { image_url: 'https://example.com/face.png', audio_url: 'https://example.com/voice.mp3' },
    }),
  });
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { output: { task_id: string } }).output.task_id;
}

describe('createDashScopeHandlers with msw', () => {
  it('answers on the public base URL and serves results from its origin', async () => {
    const taskId = await submit();
    clock.advance(2000);
    const task = (await (await fetch(`${DEFAULT_BASE_URL}/tasks/${taskId}`, { headers })).json()) as {
      output: { task_status: string; results: { video_url: string } };
    };
    expect(task.output.task_status).toBe('SUCCEEDED');
    expect(task.output.results.video_url).toMatch(/^https:\/\/dashscope\.aliyuncs\.com\/results\//);
    const video = await fetch(task.output.results.video_url, { headers: { range: 'bytes=0-7' } });
    expect(video.status).toBe(206);
    expect(new TextDecoder().decode((await video.arrayBuffer()).slice(4, 8))).toBe('ftyp');
  });

  it('turns resets into a failed fetch; reset-after-body still creates the task', async () => {
    emulator.faults.next(1, { route: 'submit', kind: 'reset-after-body' });
    await expect(submit()).rejects.toThrow(TypeError);
    expect(emulator.stats.tasksCreated).toBe(1);
    emulator.faults.next(1, { route: 'query', kind: 'reset-before-body' });
    await expect(fetch(`${DEFAULT_BASE_URL}/tasks/x`, { headers })).rejects.toThrow(TypeError);
  });

  it('hang ends when the caller aborts', async () => {
    emulator.faults.next(1, { route: 'query', kind: 'hang' });
    const controller = new AbortController();
    const hung = fetch(`${DEFAULT_BASE_URL}/tasks/x`, { headers, signal: controller.signal });
    controller.abort();
    await expect(hung).rejects.toThrow(/abort/i);
  });

  it('takes another base URL', async () => {
    server.use(...createDashScopeHandlers({ baseURL: 'http://emulated.test/api/v1/' }));
    const answer = await fetch('http://emulated.test/api/v1/tasks/x', {
      headers: { authorization: 'Bearer sk-1' },
    });
    expect(answer.status).toBe(200);
    server.resetHandlers();
  });
});
