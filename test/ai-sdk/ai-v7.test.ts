/**
 * The AI SDK model with `ai` 7 (specification v4), which needs Node ≥ 22: it is installed as the
 * devDependency alias `ai-v7` and loaded only on Node ≥ 22, so this file runs in the Node 22/24 matrix
 * (`node scripts/node-matrix.mjs 22 24`) and is skipped on Node 20. Besides `experimental_generateVideo`
 * (our `doGenerate`, waiting with the client's scheduler), the v4 start/status flow: start a job, then
 * resume it by its task id from another provider.
 */
import type { experimental_startVideo, GetVideoStatusResult } from 'ai-v7';
import { describe, expect, it, vi } from 'vitest';
import { liveportrait } from '../../src/ai-sdk/index.js';
import { ImageRejectedError, ValidationError } from '../../src/index.js';
import { sampleVideo } from '../../src/testing/index.js';
import { AUDIO, emulator, IMAGE } from '../helpers/setup.js';
import { type GenerateVideo, generateVideoSuite } from './generate-suite.js';
import { loopbackDownload, providerFor } from './helpers.js';

const nodeMajor = Number(process.versions.node.split('.')[0]);
const aiV7 = () => import('ai-v7');

describe.skipIf(nodeMajor < 22)('ai@7 (Node ≥ 22)', () => {
  generateVideoSuite(
    'ai@7',
    async () => (await aiV7()).experimental_generateVideo as unknown as GenerateVideo,
  );

  const request = { prompt: { image: IMAGE }, providerOptions: { liveportrait: { audioUrl: AUDIO } } };

  it('a plain experimental_generateVideo waits with our scheduler (doGenerate), not the start/status poll', async () => {
    const { experimental_generateVideo } = await aiV7();
    const running = await emulator();
    const model = providerFor(running).video();
    const doStart = vi.spyOn(model, 'doStart');
    const result = await experimental_generateVideo({ model, ...request, download: loopbackDownload });
    expect(result.video.uint8Array).toEqual(sampleVideo());
    expect(doStart).not.toHaveBeenCalled();
  });

  it('experimental_startVideo returns { taskId }; another provider resumes it with experimental_getVideoStatus', async () => {
    const { experimental_startVideo, experimental_getVideoStatus } = await aiV7();
    const running = await emulator();
    const started = await experimental_startVideo({ model: providerFor(running).video(), ...request });
    const [task] = running.tasks.all();
    expect(started.operation).toEqual({ taskId: task?.id });
    expect(started.providerMetadata?.liveportrait).toEqual({
      taskId: task?.id,
      requestId: expect.any(String),
    });
    // A durable workflow persists the operation as JSON and checks it later, maybe in another process.
    const operation = JSON.parse(JSON.stringify(started.operation));
    const other = providerFor(running).video();
    let status: GetVideoStatusResult = await experimental_getVideoStatus(other, { operation });
    for (let polls = 0; status.status === 'pending' && polls < 1000; polls++) {
      expect(status.providerMetadata?.liveportrait?.taskStatus).toMatch(/^(PENDING|RUNNING)$/);
      await new Promise((resolve) => setTimeout(resolve, 10));
      status = await experimental_getVideoStatus(other, { operation });
    }
    expect(status).toMatchObject({
      status: 'completed',
      videos: [{ type: 'url', url: expect.stringContaining(`/results/${task?.id}`), mediaType: 'video/mp4' }],
      providerMetadata: { liveportrait: { taskId: task?.id, videoRatio: 'standard' } },
    });
  });

  it('generateVideo({ poll }) runs the start/status flow; a failed task ends it with our message', async () => {
    const { experimental_generateVideo } = await aiV7();
    const running = await emulator();
    const model = providerFor(running).video();
    const poll = { intervalMs: 10 };
    const result = await experimental_generateVideo({ model, ...request, poll, download: loopbackDownload });
    expect(result.video.uint8Array).toEqual(sampleVideo());
    expect(result.providerMetadata.liveportrait?.taskId).toBe(running.tasks.all()[0]?.id);

    const failing = { liveportrait: { audioUrl: 'https://example.com/fail.mp3' } };
    await expect(
      experimental_generateVideo({
        model,
        ...request,
        providerOptions: failing,
        poll,
        download: loopbackDownload,
      }),
    ).rejects.toThrow(/^Task \S+ failed: InvalidURL/);
  });

  it('experimental_getVideoStatus reports failed and unknown tasks as errors with their metadata', async () => {
    const { experimental_startVideo, experimental_getVideoStatus } = await aiV7();
    const running = await emulator();
    const model = providerFor(running).video();
    const failing = { liveportrait: { audioUrl: 'https://example.com/fail.mp3' } };
    const { operation } = await experimental_startVideo({ model, ...request, providerOptions: failing });
    let status: GetVideoStatusResult = await experimental_getVideoStatus(model, { operation });
    for (let polls = 0; status.status === 'pending' && polls < 1000; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      status = await experimental_getVideoStatus(model, { operation });
    }
    const { taskId } = operation as { taskId: string };
    expect(status).toMatchObject({
      status: 'error',
      error: expect.stringMatching(/^Task \S+ failed: InvalidURL/),
      providerMetadata: { liveportrait: { taskId, taskStatus: 'FAILED', code: 'InvalidURL' } },
    });

    const unknown = await experimental_getVideoStatus(model, { operation: { taskId: 'no-such-task' } });
    expect(unknown).toMatchObject({
      status: 'error',
      error: expect.stringContaining('unknown to DashScope'),
      providerMetadata: { liveportrait: { taskId: 'no-such-task', taskStatus: 'UNKNOWN' } },
    });
  });

  it('doStart checks the image first when asked, and refuses an operation that is not { taskId }', async () => {
    const { experimental_startVideo, experimental_getVideoStatus } = await aiV7();
    const running = await emulator();
    const model = providerFor(running).video();
    const detect = { liveportrait: { audioUrl: AUDIO, detect: true } };
    await expect(
      experimental_startVideo({
        model,
        prompt: { image: 'https://example.com/noface.png' },
        providerOptions: detect,
      }),
    ).rejects.toBeInstanceOf(ImageRejectedError);
    expect(running.log.filter((entry) => entry.route === 'submit')).toHaveLength(0);
    await expect(experimental_getVideoStatus(model, { operation: 'no-such-task' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

describe('ai@7 type compatibility (checked by tsc on every Node)', () => {
  it('liveportrait.video() is its VideoModel, and its start/status pair has the v4 shapes', () => {
    type ModelParameter = Parameters<typeof experimental_startVideo>[0]['model'];
    const model = liveportrait.video();
    const asV3: ModelParameter = model;
    // Claiming v4 makes tsc check doGenerate, doStart and doStatus against the v4 specification.
    const asV4: ModelParameter = { ...model, specificationVersion: 'v4' as const };
    expect([asV3, asV4]).toHaveLength(2);
  });
});
