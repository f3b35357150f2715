/** The README's snippet for an app's own fetch calls (msw), run as written (between the region markers). */
// #region README
import { LivePortraitClient } from 'dashscope-liveportrait';
import {
  createDashScopeHandlers,
  createEmulator,
  createEmulatorDispatcher,
} from 'dashscope-liveportrait/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';

// Your app's own call to DashScope, with global fetch.
async function taskStatus(taskId: string, apiKey: string): Promise<string> {
  const response = await fetch(`https://dashscope.aliyuncs.com/api/v1/tasks/${taskId}`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  const body = (await response.json()) as { output: { task_status: string } };
  return body.output.task_status;
}

// One emulator behind both: msw answers the app's fetch, the dispatcher answers the SDK.
const emulator = createEmulator({ apiKeys: ['sk-test'] });
const server = setupServer(...createDashScopeHandlers({ emulator }));
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

it('sees the task the SDK submitted', async () => {
  const client = new LivePortraitClient({
    apiKey: 'sk-test',
    dispatcher: createEmulatorDispatcher({ emulator }),
  });
  const { taskId } = await client.submit({
    imageUrl: 'https://example.com/face.png',
    audioUrl: 'https://example.com/voice.mp3',
  });
  expect(await taskStatus(taskId, 'sk-test')).toBe('PENDING');
  await client.close();
});
// #endregion
