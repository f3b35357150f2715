/**
 * The AI SDK's standard video call options mapped to one LivePortrait job: the portrait from
 * `prompt.image`, the voice and the model's parameters from `providerOptions.liveportrait`, and a
 * warning for every standard option the model cannot honour. Pure: nothing here sends anything, so
 * a bad call fails before anything is uploaded or billed.
 */
import type {
  SharedV3Warning,
  Experimental_VideoModelV3CallOptions as VideoCallOptions,
} from '@ai-sdk/provider';
import {
  LIMITS,
  type MediaInput,
  ValidationError,
  type ValidationIssue,
  type VideoParams,
  videoParamsSchema,
} from 'dashscope-liveportrait';
import { z } from 'zod';

/** The key of this model's options in `providerOptions` and of its `providerMetadata`. */
export const PROVIDER_KEY = 'liveportrait';

/**
 * `providerOptions.liveportrait` of a LivePortrait video call: the voice recording, the six model
 * parameters (as in `generateVideo()`), and the image check.
 * @example
 * providerOptions: { liveportrait: { audioUrl: 'https://example.com/voice.mp3', templateId: 'calm' } }
 */
export type LivePortraitVideoOptions = VideoParams & {
  /**
   * The voice recording the portrait speaks (wav or mp3, 1–180 s): an http(s) or `oss://` URL, or a
   * local file path, which is checked and uploaded to DashScope's temporary storage first. Required.
   */
  audioUrl: string;
  /** Run DashScope's image check first and reject with `ImageRejectedError` before any job exists. */
  detect?: boolean | undefined;
};

const optionsSchema = videoParamsSchema.extend({
  audioUrl: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? 'is required: the voice recording to animate the portrait with (a URL or a local file path)'
          : 'must be a string: a URL (http, https or oss) or a local file path',
    })
    .min(1, { error: 'must not be empty' }),
  detect: z.boolean({ error: 'must be true or false' }).optional(),
});

/** One job, as `LivePortraitClient` takes it, and the warnings the AI SDK call deserves. */
export interface LivePortraitJob {
  image: MediaInput;
  audio: string;
  params: VideoParams;
  detect: boolean;
  warnings: SharedV3Warning[];
}

/**
 * Maps an AI SDK call to a job, or throws one `ValidationError` listing every problem (paths as the
 * caller wrote them: `prompt.image`, `fps`, `providerOptions.liveportrait.audioUrl`).
 */
export function toLivePortraitJob(options: VideoCallOptions): LivePortraitJob {
  const issues: ValidationIssue[] = [];
  const image = portraitOf(options.image, issues);
  const parsed = optionsSchema.safeParse(options.providerOptions?.[PROVIDER_KEY] ?? {});
  if (!parsed.success) {
    for (const issue of ValidationError.fromZod(parsed.error).issues) {
      issues.push({ ...issue, path: `providerOptions.${PROVIDER_KEY}.${issue.path}` });
    }
  }
  checkFps(options.fps, parsed.data?.videoFps, issues);
  if (!parsed.success || image === undefined || issues.length > 0) {
    throw new ValidationError(issues, 'LivePortrait video call');
  }
  const { audioUrl, detect = false, ...params } = parsed.data;
  if (options.fps !== undefined) params.videoFps = options.fps;
  return { image, audio: audioUrl, params, detect, warnings: warningsFor(options) };
}

function portraitOf(image: VideoCallOptions['image'], issues: ValidationIssue[]): MediaInput | undefined {
  if (image === undefined) {
    issues.push({
      path: 'prompt.image',
      message: 'is required: the portrait to animate (an http(s) URL, or the image bytes)',
    });
    return undefined;
  }
  if (image.type === 'url') return image.url;
  // The AI SDK hands bytes on as a Uint8Array, or as base64 from older callers; the format is
  // measured from the bytes before upload, so `mediaType` is not needed.
  return typeof image.data === 'string' ? Buffer.from(image.data, 'base64') : image.data;
}

/** The standard `fps` is the model's `videoFps`: same range, and it must not contradict it. */
function checkFps(fps: number | undefined, videoFps: number | undefined, issues: ValidationIssue[]): void {
  if (fps === undefined) return;
  const { min, max } = LIMITS.videoFps;
  if (!Number.isInteger(fps) || fps < min || fps > max) {
    issues.push({ path: 'fps', message: `must be an integer from ${min} to ${max} (inclusive); got ${fps}` });
  } else if (videoFps !== undefined && videoFps !== fps) {
    issues.push({
      path: 'fps',
      message: `is ${fps} but providerOptions.${PROVIDER_KEY}.videoFps is ${videoFps}: set one of them`,
    });
  }
}

/** Headers the AI SDK adds on its own to every call: no reason to warn about them. */
const SDK_HEADERS = new Set(['user-agent', 'idempotency-key']);

/** One warning per standard option the model cannot honour, so nothing is dropped silently. */
export function warningsFor(options: VideoCallOptions): SharedV3Warning[] {
  const warnings: SharedV3Warning[] = [];
  const unsupported = (feature: string, details: string) =>
    warnings.push({ type: 'unsupported', feature, details });
  if (options.prompt?.trim())
    unsupported('prompt', 'LivePortrait is driven by the portrait and the voice; the text prompt is ignored');
  if (options.aspectRatio !== undefined && options.aspectRatio !== 'adaptive')
    unsupported('aspectRatio', 'the video keeps the aspect ratio of the portrait');
  if (options.resolution !== undefined)
    unsupported('resolution', 'the video keeps the dimensions of the portrait');
  if (options.duration !== undefined) unsupported('duration', 'the video is as long as the voice recording');
  if (options.seed !== undefined) unsupported('seed', 'LivePortrait takes no seed');
  if (options.n > 1)
    unsupported('n', `one job makes one video: 1 video instead of ${options.n} (maxVideosPerCall is 1)`);
  if (options.frameImages?.some((frame) => frame.frameType === 'last_frame'))
    unsupported('frameImages', 'only a first frame (the portrait) is used; the last frame is ignored');
  if (options.inputReferences?.length)
    unsupported('inputReferences', 'LivePortrait takes no reference media; they are ignored');
  if (options.generateAudio !== undefined)
    unsupported('generateAudio', `the soundtrack is always providerOptions.${PROVIDER_KEY}.audioUrl`);
  const extra = Object.keys(options.headers ?? {}).filter((name) => !SDK_HEADERS.has(name.toLowerCase()));
  if (extra.length > 0)
    unsupported('headers', `not sent (${extra.join(', ')}); set defaultHeaders on the LivePortraitClient`);
  return warnings;
}
