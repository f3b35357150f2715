/**
 * `experimental_generateVideo` of a real `ai` package against the emulator on a loopback port: the
 * behaviour the README promises for the AI SDK, run once per `ai` major (6 on every Node, 7 on Node
 * ≥ 22). Only the AI SDK's public function is used; the model is what users get from `.video()`.
 */
import { describe, expect, it } from 'vitest';
import type { LivePortraitVideoModel } from '../../src/ai-sdk/index.js';
import {
  AbortError,
  ImageRejectedError,
  LivePortraitClient,
  TaskFailedError,
  ValidationError,
} from '../../src/index.js';
import { sampleVideo, uploadsOf } from '../../src/testing/index.js';
import { API_KEY, AUDIO, emulator, FAST_POLLS, IMAGE } from '../helpers/setup.js';
import { fixtureBytes } from '../media/helpers.js';
import { loopbackDownload, providerFor, until } from './helpers.js';

/** The part of `ai`'s `experimental_generateVideo` these tests use, the same in majors 6 and 7. */
export type GenerateVideo = (options: {
  model: LivePortraitVideoModel;
  prompt: string | { image: string | Uint8Array; text?: string };
  n?: number;
  maxVideosPerCall?: number;
  aspectRatio?: `${number}:${number}` | 'adaptive';
  duration?: number;
  fps?: number;
  seed?: number;
  providerOptions?: Record<string, Record<string, unknown>>;
  maxRetries?: number;
  abortSignal?: AbortSignal;
  download?: typeof loopbackDownload;
}) => Promise<{
  video: { uint8Array: Uint8Array; mediaType: string };
  videos: unknown[];
  warnings: unknown[];
  providerMetadata: Record<string, Record<string, unknown>>;
}>;

export function generateVideoSuite(label: string, load: () => Promise<GenerateVideo>): void {
  describe(`${label}: experimental_generateVideo with liveportrait.video()`, () => {
    it('makes one job from the image URL and audioUrl, with the parameters, and returns the MP4', async () => {
      const generateVideo = await load();
      const running = await emulator();
      const model = providerFor(running).video();
      const result = await generateVideo({
        model,
        prompt: { image: IMAGE },
        fps: 25,
        providerOptions: { liveportrait: { audioUrl: AUDIO, templateId: 'calm', mouthMoveStrength: 0.8 } },
        download: loopbackDownload,
      });
      expect(result.video.mediaType).toBe('video/mp4');
      expect(result.video.uint8Array).toEqual(sampleVideo());
      expect(result.warnings).toEqual([]);
      const [task] = running.tasks.all();
      expect(running.tasks.all()).toHaveLength(1);
      expect(task?.imageUrl).toBe(IMAGE);
      expect(task?.audioUrl).toBe(AUDIO);
      expect(task?.parameters).toEqual({ template_id: 'calm', mouth_move_strength: 0.8, video_fps: 25 });
      expect(result.providerMetadata.liveportrait).toEqual({
        taskId: task?.id,
        requestId: expect.any(String),
        videoDuration: expect.any(Number),
        videoRatio: 'standard',
      });
    });

    it('uploads image bytes to temporary storage and submits the oss:// URL', async () => {
      const generateVideo = await load();
      const running = await emulator();
      const result = await generateVideo({
        model: providerFor(running).video(),
        prompt: { image: new Uint8Array(fixtureBytes('face.png')) },
        providerOptions: { liveportrait: { audioUrl: AUDIO } },
        download: loopbackDownload,
      });
      const task = running.tasks.get(String(result.providerMetadata.liveportrait?.taskId));
      expect(task?.imageUrl).toMatch(/^oss:\/\/.+\.png$/);
      expect(uploadsOf(running.emulator).all()[0]?.bytes).toEqual(new Uint8Array(fixtureBytes('face.png')));
    });

    it('warns about the standard options LivePortrait lacks, and still makes the video', async () => {
      const generateVideo = await load();
      const running = await emulator();
      const result = await generateVideo({
        model: providerFor(running).video(),
        prompt: { image: IMAGE, text: 'a friendly greeting' },
        aspectRatio: '16:9',
        duration: 5,
        seed: 7,
        providerOptions: { liveportrait: { audioUrl: AUDIO } },
        download: loopbackDownload,
      });
      const features = result.warnings.map((warning) => (warning as { feature?: string }).feature);
      expect(features).toEqual(['prompt', 'aspectRatio', 'duration', 'seed']);
      expect(result.warnings[0]).toMatchObject({
        type: 'unsupported',
        details: expect.stringMatching(/ignored/),
      });
      expect(running.tasks.all()).toHaveLength(1);
    });

    it('n: 2 makes two jobs (one video each); a raised maxVideosPerCall gets one video and a warning', async () => {
      const generateVideo = await load();
      const running = await emulator();
      const model = providerFor(running).video();
      const common = {
        model,
        prompt: { image: IMAGE },
        providerOptions: { liveportrait: { audioUrl: AUDIO } },
        download: loopbackDownload,
      };
      const two = await generateVideo({ ...common, n: 2 });
      expect(two.videos).toHaveLength(2);
      expect(running.tasks.all()).toHaveLength(2);
      const raised = await generateVideo({ ...common, n: 2, maxVideosPerCall: 2 });
      expect(raised.videos).toHaveLength(1);
      expect(raised.warnings).toEqual([expect.objectContaining({ type: 'unsupported', feature: 'n' })]);
      expect(running.tasks.all()).toHaveLength(3);
    });

    it('rejects bad input with ValidationError before anything is sent', async () => {
      const generateVideo = await load();
      const running = await emulator();
      const model = providerFor(running).video();
      const call = (options: Partial<Parameters<GenerateVideo>[0]>) =>
        generateVideo({ model, prompt: { image: IMAGE }, download: loopbackDownload, ...options }).catch(
          (error: unknown) => error,
        );

      const noAudio = await call({});
      expect(noAudio).toBeInstanceOf(ValidationError);
      expect((noAudio as ValidationError).issues).toEqual([
        { path: 'providerOptions.liveportrait.audioUrl', message: expect.stringMatching(/^is required/) },
      ]);
      const fps = await call({ fps: 60, providerOptions: { liveportrait: { audioUrl: AUDIO } } });
      expect((fps as ValidationError).issues).toEqual([
        { path: 'fps', message: 'must be an integer from 15 to 30 (inclusive); got 60' },
      ]);
      const unknown = await call({ providerOptions: { liveportrait: { audioUrl: AUDIO, video_fps: 20 } } });
      expect((unknown as ValidationError).issues).toEqual([
        { path: 'providerOptions.liveportrait.video_fps', message: 'is not a known option' },
      ]);
      const textOnly = await call({
        prompt: 'a portrait',
        providerOptions: { liveportrait: { audioUrl: AUDIO } },
      });
      expect((textOnly as ValidationError).issues[0]?.path).toBe('prompt.image');
      expect(running.stats.requests).toBe(0);
    });

    it('passes our typed errors through, unwrapped and not retried by the AI SDK', async () => {
      const generateVideo = await load();
      const running = await emulator();
      const model = providerFor(running).video();
      const failed = await generateVideo({
        model,
        prompt: { image: IMAGE },
        providerOptions: { liveportrait: { audioUrl: 'https://example.com/fail.mp3' } },
        maxRetries: 2,
        download: loopbackDownload,
      }).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(TaskFailedError);
      expect((failed as TaskFailedError).code).toBe('InvalidURL');
      expect(running.log.filter((entry) => entry.route === 'submit')).toHaveLength(1);

      const rejected = await generateVideo({
        model,
        prompt: { image: 'https://example.com/noface.png' },
        providerOptions: { liveportrait: { audioUrl: AUDIO, detect: true } },
        download: loopbackDownload,
      }).catch((error: unknown) => error);
      expect(rejected).toBeInstanceOf(ImageRejectedError);
      expect(running.log.filter((entry) => entry.route === 'submit')).toHaveLength(1);
    });

    it('abortSignal cancels the wait: AbortError naming the task, and no poll after it', async () => {
      const generateVideo = await load();
      const running = await emulator({ queueMs: 600_000 });
      const controller = new AbortController();
      const pending = generateVideo({
        model: providerFor(running).video(),
        prompt: { image: IMAGE },
        providerOptions: { liveportrait: { audioUrl: AUDIO } },
        abortSignal: controller.signal,
        download: loopbackDownload,
      }).catch((error: unknown) => error);
      await until(() => running.log.some((entry) => entry.route === 'query'), 'the wait polls');
      controller.abort(new Error('user left'));
      const error = await pending;
      const [task] = running.tasks.all();
      expect(error).toBeInstanceOf(AbortError);
      expect((error as AbortError).message).toContain(`task ${task?.id}`);
      expect((error as AbortError).cause).toEqual(new Error('user left'));
      const polls = running.log.filter((entry) => entry.route === 'query').length;
      // Ten poll gaps of the fast schedule: a wait still running would have polled several times by now.
      // One more entry is allowed: a poll already on the wire when the abort came is logged when the
      // emulator reads it, which a loaded machine can put after this count.
      await new Promise((resolve) => setTimeout(resolve, 10 * FAST_POLLS.maxMs));
      expect(running.log.filter((entry) => entry.route === 'query').length).toBeLessThanOrEqual(polls + 1);
      expect(running.tasks.get(task?.id ?? '')?.status).toBe('PENDING');
    });

    it('shares a client passed in: its job slots hold the second call until the first ends', async () => {
      const generateVideo = await load();
      const running = await emulator();
      const client = new LivePortraitClient({
        apiKey: API_KEY,
        baseURL: running.baseURL,
        pollSchedule: FAST_POLLS,
        maxConcurrentJobs: 1,
      });
      try {
        const { createLivePortrait } = await import('../../src/ai-sdk/index.js');
        const model = createLivePortrait({ client }).video();
        const call = () =>
          generateVideo({
            model,
            prompt: { image: IMAGE },
            providerOptions: { liveportrait: { audioUrl: AUDIO } },
            download: loopbackDownload,
          });
        await Promise.all([call(), call()]);
        const [first, second] = running.tasks.all().sort((a, b) => a.submittedAt - b.submittedAt);
        expect(second?.submittedAt).toBeGreaterThanOrEqual(first?.endedAt ?? Number.POSITIVE_INFINITY);
      } finally {
        await client.close();
      }
    });
  });
}
