/**
 * What the MCP tools take and give back, as zod schemas the MCP SDK turns into JSON Schema for the
 * client. Arguments use DashScope's own names (`template_id`, `video_fps`, …) because that is what a
 * model finds in Alibaba's documentation; each parameter reuses the SDK's schema, so its range and its
 * error message are the library's, never a second copy.
 */
import { z } from 'zod';
import { LIMITS, TASK_STATUSES, TEMPLATE_IDS, videoParamsSchema } from '../../index.js';

const params = videoParamsSchema.shape;
const { image, audio } = LIMITS;

/** One longest wait a tool call may ask for: a day, the lifetime of a task. */
const MAX_WAIT_SECONDS = 24 * 3600;

const mediaArgument = (what: string) =>
  z
    .string({ error: 'must be a URL or a file path' })
    .min(1, { error: 'must not be empty' })
    .describe(
      `${what} A public http(s) URL, an oss:// URL from DashScope temporary storage, or an absolute path ` +
        'on the machine this server runs on (checked, then uploaded to DashScope temporary storage, kept 48 h).',
    );

const imageArgument = mediaArgument(
  `The portrait photo: JPEG, PNG, BMP or WebP, under ${image.maxBytes / 2 ** 20} MB, aspect ratio at most ` +
    `${image.maxAspectRatio}, longest side at most ${image.maxSidePx} px, one clearly visible face.`,
);
const audioArgument = mediaArgument(
  `The speech recording: WAV or MP3, under ${audio.maxBytes / 2 ** 20} MB, ${audio.minDurationSec} s to ` +
    `${audio.maxDurationSec / 60} min, clear speech without music or noise.`,
);

const taskIdArgument = z
  .string({ error: 'must be a task id string' })
  .min(1, { error: 'must not be empty' })
  .describe('The task id returned by generate_talking_video (also in its progress messages).');

const timeoutArgument = z
  .number({ error: 'must be a number of seconds' })
  .positive({ error: 'must be greater than 0' })
  .max(MAX_WAIT_SECONDS, { error: `must be at most ${MAX_WAIT_SECONDS} (a day)` })
  .optional()
  .describe(
    'How long to wait, in seconds (default 900). When it runs out the result is the task id and its ' +
      'current status, not an error: continue with wait_for_task. Set it below your client’s request ' +
      'timeout (often 60 s) if that client does not keep waiting while progress notifications arrive.',
  );

const cancelOnAbortArgument = z
  .boolean({ error: 'must be true or false' })
  .optional()
  .describe(
    'If this call is cancelled while the task is still PENDING (queued), cancel the task too. ' +
      'Default false: the task keeps running and can be resumed with wait_for_task.',
  );

/** Arguments of `generate_talking_video`. Strict: a misspelt parameter is an error, not a silent default. */
export const generateInput = z.strictObject({
  image: imageArgument,
  audio: audioArgument,
  template_id: params.templateId.describe(
    `Head-motion template: ${TEMPLATE_IDS.join(', ')} (calm suits broadcasting, active suits singing). Default normal.`,
  ),
  eye_move_freq: params.eyeMoveFreq.describe(
    `Blinks per second, ${LIMITS.eyeMoveFreq.min}–${LIMITS.eyeMoveFreq.max}. Default 0.5.`,
  ),
  video_fps: params.videoFps.describe(
    `Frame rate, an integer ${LIMITS.videoFps.min}–${LIMITS.videoFps.max}. Default 24.`,
  ),
  mouth_move_strength: params.mouthMoveStrength.describe(
    `Mouth amplitude, ${LIMITS.mouthMoveStrength.min}–${LIMITS.mouthMoveStrength.max}; 0 keeps the mouth still. Default 1.`,
  ),
  paste_back: params.pasteBack.describe(
    'true pastes the animated face back onto the whole photo; false returns the face only. Default true.',
  ),
  head_move_strength: params.headMoveStrength.describe(
    `Head-motion amplitude, ${LIMITS.headMoveStrength.min}–${LIMITS.headMoveStrength.max}. Default 0.7.`,
  ),
  detect: z
    .boolean({ error: 'must be true or false' })
    .optional()
    .describe('Run the image check first (billed per image) and stop before a billed job if it fails.'),
  timeout_seconds: timeoutArgument,
  cancel_on_abort: cancelOnAbortArgument,
});

/** Arguments of `wait_for_task`. */
export const waitInput = z.strictObject({
  task_id: taskIdArgument,
  timeout_seconds: timeoutArgument,
  cancel_on_abort: cancelOnAbortArgument,
});

/** Arguments of `get_task`. */
export const getTaskInput = z.strictObject({ task_id: taskIdArgument });

/** Arguments of `check_portrait`. */
export const checkPortraitInput = z.strictObject({ image: imageArgument });

/** Arguments of `inspect_media`. */
export const inspectMediaInput = z.strictObject({ image: imageArgument, audio: audioArgument });

const STATUSES = [...TASK_STATUSES, 'UNRECOGNIZED'] as const;

/** What `generate_talking_video`, `wait_for_task` and `get_task` return: one task's state. */
export const taskOutput = z.object({
  task_id: z.string(),
  status: z
    .enum(STATUSES)
    .optional()
    .describe('The last status seen; absent only when a wait ran out before any query succeeded.'),
  done: z.boolean().describe('true once the task has ended (SUCCEEDED, FAILED, CANCELED or UNKNOWN).'),
  video_url: z
    .string()
    .optional()
    .describe('Signed URL of the MP4. It expires 24 hours after the task ended: download it before then.'),
  video_duration: z.number().optional().describe('Seconds of video generated (what is billed).'),
  video_ratio: z.string().optional(),
  submit_time: z.string().optional().describe('DashScope time, Beijing time without a zone.'),
  scheduled_time: z.string().optional(),
  end_time: z.string().optional(),
  error_code: z.string().optional().describe('DashScope’s code when the task FAILED.'),
  error_message: z.string().optional(),
  request_id: z.string().optional(),
});

/** What `check_portrait` returns. */
export const checkPortraitOutput = z.object({
  pass: z.boolean(),
  message: z.string().describe('DashScope’s reason when the image did not pass; empty otherwise.'),
  request_id: z.string(),
});

/** What `inspect_media` returns. */
export const inspectMediaOutput = z.object({
  image: z.object({
    format: z.string(),
    bytes: z.number().optional(),
    width: z.number(),
    height: z.number(),
  }),
  audio: z.object({
    format: z.string(),
    bytes: z.number().optional(),
    duration_sec: z.number(),
  }),
});

/** The structured content of a task result. */
export type TaskOutput = z.infer<typeof taskOutput>;

/** Converts `timeout_seconds` to the client's `timeout` (ms); undefined keeps the SDK's default. */
export function waitTimeoutMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}
