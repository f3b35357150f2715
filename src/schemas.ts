/**
 * What users pass in and what DashScope sends back, as zod schemas, plus the mapping between the
 * SDK's camelCase and the wire's snake_case. Every documented limit of the model lives here once:
 * the client validates with it and the testing kit's emulator enforces the same numbers.
 */
import { z } from 'zod';

/** Head-motion templates: `calm` suits broadcasting, `active` suits singing. */
export const TEMPLATE_IDS = ['normal', 'calm', 'active'] as const;

/** Every documented limit of the LivePortrait model, in one place. Bounds are inclusive. */
export const LIMITS = {
  eyeMoveFreq: { min: 0, max: 1 },
  videoFps: { min: 15, max: 30 },
  mouthMoveStrength: { min: 0, max: 1.5 },
  headMoveStrength: { min: 0, max: 1 },
  image: {
    formats: ['jpeg', 'png', 'bmp', 'webp'],
    /** The file must be smaller than this. */
    maxBytes: 10 * 1024 * 1024,
    maxAspectRatio: 2,
    maxSidePx: 4096,
  },
  audio: {
    formats: ['wav', 'mp3'],
    /** The file must be smaller than this. */
    maxBytes: 15 * 1024 * 1024,
    minDurationSec: 1,
    maxDurationSec: 180,
  },
} as const;

/** URL schemes DashScope fetches media from; `oss:` is its own temporary storage. */
const MEDIA_PROTOCOLS = new Set(['http:', 'https:', 'oss:']);

const mediaUrl = z.string({ error: 'must be a URL string' }).refine(isMediaUrl, {
  error: (issue) =>
    `must be an http:, https: or oss: URL; got ${JSON.stringify(truncate(String(issue.input), 80))}`,
});

function isMediaUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  return MEDIA_PROTOCOLS.has(new URL(value).protocol);
}

function boundedNumber(limit: { min: number; max: number }, options: { integer?: boolean } = {}) {
  const kind = options.integer ? 'an integer' : 'a number';
  const expected = `must be ${kind} from ${limit.min} to ${limit.max} (inclusive)`;
  const onError = { error: (issue: { input?: unknown }) => `${expected}; got ${describe(issue.input)}` };
  const base = options.integer ? z.int(onError) : z.number(onError);
  return base.min(limit.min, onError).max(limit.max, onError);
}

/** The six optional generation parameters. Unset ones are not sent, so DashScope's defaults apply. */
export const videoParamsSchema = z.strictObject({
  /** Head-motion template. DashScope's default: `normal`. */
  templateId: z
    .enum(TEMPLATE_IDS, {
      error: (issue) => `must be one of ${TEMPLATE_IDS.join(', ')}; got ${describe(issue.input)}`,
    })
    .optional(),
  /** Blinks per second, 0–1. Default 0.5. */
  eyeMoveFreq: boundedNumber(LIMITS.eyeMoveFreq).optional(),
  /** Output frame rate, integer 15–30. Default 24. */
  videoFps: boundedNumber(LIMITS.videoFps, { integer: true }).optional(),
  /** Mouth amplitude, 0–1.5; 0 keeps the mouth still. Default 1. */
  mouthMoveStrength: boundedNumber(LIMITS.mouthMoveStrength).optional(),
  /** `false` returns the generated face only, without the body. Default true. */
  pasteBack: z
    .boolean({ error: (issue) => `must be true or false; got ${describe(issue.input)}` })
    .optional(),
  /** Head-motion amplitude, 0–1. Default 0.7. */
  headMoveStrength: boundedNumber(LIMITS.headMoveStrength).optional(),
});

/** Input of `client.submit()`: the two media URLs and any of the six parameters. */
export const submitInputSchema = videoParamsSchema.extend({
  /** Public http(s) URL (or `oss://` temporary-storage URL) of the portrait. */
  imageUrl: mediaUrl,
  /** Public http(s) URL (or `oss://` temporary-storage URL) of the speech audio. */
  audioUrl: mediaUrl,
});

/** A task id: non-empty, and nothing that could change the request path. */
export const taskIdSchema = z
  .string({ error: 'must be a task id string' })
  .min(1, { error: 'must not be empty' })
  .max(128, { error: 'must be at most 128 characters' })
  .regex(/^[^/?#%\s\\]+$/, { error: 'must not contain "/", "?", "#", "%", "\\" or whitespace' })
  // A URL resolves `.` and `..` segments: `cancelTask('..')` would POST to `/api/v1/cancel`.
  .refine((id) => id !== '.' && id !== '..', { error: 'must not be "." or ".."' });

/** The six generation parameters, as accepted by `submit()` and `generateVideo()`. */
export type VideoParams = z.input<typeof videoParamsSchema>;
/** Input of `client.submit()`. */
export type SubmitInput = z.input<typeof submitInputSchema>;

// ---------------------------------------------------------------------------------------------
// Wire format. Shapes are lenient (`looseObject`): DashScope adds fields over time and an SDK that
// breaks on a new field is worse than one that ignores it.

/** Body of `POST /services/aigc/image2video/video-synthesis/`. */
export interface SubmitRequestWire {
  model: 'liveportrait';
  input: { image_url: string; audio_url: string };
  parameters?: {
    template_id?: (typeof TEMPLATE_IDS)[number];
    eye_move_freq?: number;
    video_fps?: number;
    mouth_move_strength?: number;
    paste_back?: boolean;
    head_move_strength?: number;
  };
}

/** Maps validated input to the submit body, sending only the parameters the caller set. */
export function toSubmitRequestWire(input: z.output<typeof submitInputSchema>): SubmitRequestWire {
  const parameters: NonNullable<SubmitRequestWire['parameters']> = {};
  if (input.templateId !== undefined) parameters.template_id = input.templateId;
  if (input.eyeMoveFreq !== undefined) parameters.eye_move_freq = input.eyeMoveFreq;
  if (input.videoFps !== undefined) parameters.video_fps = input.videoFps;
  if (input.mouthMoveStrength !== undefined) parameters.mouth_move_strength = input.mouthMoveStrength;
  if (input.pasteBack !== undefined) parameters.paste_back = input.pasteBack;
  if (input.headMoveStrength !== undefined) parameters.head_move_strength = input.headMoveStrength;
  const body: SubmitRequestWire = {
    model: 'liveportrait',
    input: { image_url: input.imageUrl, audio_url: input.audioUrl },
  };
  if (Object.keys(parameters).length > 0) body.parameters = parameters;
  return body;
}

/** Answer of the submit call. */
export const submitResponseWireSchema = z.looseObject({
  request_id: z.string(),
  output: z.looseObject({ task_id: z.string().min(1), task_status: z.string() }),
});

/** Answer of the image check (`liveportrait-detect`). */
export const detectResponseWireSchema = z.looseObject({
  request_id: z.string(),
  output: z.looseObject({ pass: z.boolean(), message: z.string().optional().default('') }),
});

/** Answer of `GET /tasks/{task_id}`. */
export const taskResponseWireSchema = z.looseObject({
  request_id: z.string(),
  output: z.looseObject({
    task_id: z.string().min(1),
    task_status: z.string(),
    submit_time: z.string().optional(),
    scheduled_time: z.string().optional(),
    end_time: z.string().optional(),
    results: z.looseObject({ video_url: z.string().optional() }).optional(),
    code: z.string().optional(),
    message: z.string().optional(),
  }),
  usage: z
    .looseObject({ video_duration: z.number().optional(), video_ratio: z.string().optional() })
    .optional(),
});

/** A time of the list endpoint: epoch ms, sent as a number (or, defensively, a numeric string). */
const listTimeWire = z
  .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
  .optional()
  .catch(undefined);

/** Answer of `GET /tasks` (the list endpoint): one page of an account's tasks, newest first. */
export const taskListResponseWireSchema = z.looseObject({
  request_id: z.string().optional(),
  data: z
    .array(
      z.looseObject({
        task_id: z.string().min(1),
        status: z.string(),
        model_name: z.string().optional().catch(undefined),
        gmt_create: listTimeWire,
        start_time: listTimeWire,
        end_time: listTimeWire,
      }),
    )
    .nullish()
    .transform((items) => items ?? []),
  total: z.number().optional(),
  total_page: z.number().optional(),
});

/** Answer of `POST /tasks/{task_id}/cancel`. */
export const cancelResponseWireSchema = z.looseObject({ request_id: z.string().optional() });

/**
 * Answer of `GET /uploads?action=getPolicy`: a signed OSS POST policy for DashScope's temporary
 * storage. `expire_in_seconds` (how long the policy may be used) and the size fields are optional
 * here: they are what the official SDKs read, but not documented on a public page.
 */
export const uploadPolicyWireSchema = z.looseObject({
  request_id: z.string().optional(),
  data: z.looseObject({
    policy: z.string().min(1),
    signature: z.string().min(1),
    upload_dir: z.string().min(1),
    upload_host: z.string().min(1),
    oss_access_key_id: z.string().min(1),
    x_oss_object_acl: z.string().optional(),
    x_oss_forbid_overwrite: z.string().optional(),
    expire_in_seconds: z.number().optional(),
    max_file_size_mb: z.number().optional(),
    capacity_limit_mb: z.number().optional(),
  }),
});

export type UploadPolicyWire = z.output<typeof uploadPolicyWireSchema>['data'];

export type TaskResponseWire = z.output<typeof taskResponseWireSchema>;

// ---------------------------------------------------------------------------------------------
// The SDK's view of a task: camelCase, discriminated on `status`.

/** Statuses DashScope documents. `SUSPENDED` appears in the official SDKs' enums. */
export const TASK_STATUSES = [
  'PENDING',
  'RUNNING',
  'SUSPENDED',
  'SUCCEEDED',
  'FAILED',
  'CANCELED',
  'UNKNOWN',
] as const;

/**
 * A task's status. `UNRECOGNIZED` stands for a status string this SDK does not know yet (the raw
 * string is in `rawStatus`); like `PENDING` and `RUNNING` it is not final.
 */
export type TaskStatus = (typeof TASK_STATUSES)[number] | 'UNRECOGNIZED';

/** The statuses a task ends in: a wait is over when it sees one. */
export const ENDED_STATUSES: ReadonlySet<TaskStatus> = new Set([
  'SUCCEEDED',
  'FAILED',
  'CANCELED',
  'UNKNOWN',
]);

/** A status string as DashScope sent it, as a {@link TaskStatus} (`UNRECOGNIZED` when this SDK does not know it). */
export function toTaskStatus(raw: string): TaskStatus {
  return (TASK_STATUSES as readonly string[]).includes(raw) ? (raw as TaskStatus) : 'UNRECOGNIZED';
}

/** Largest page of `listTasks()`: the most the list endpoint is known to serve. */
export const MAX_LIST_PAGE_SIZE = 100;

/** A time bound of `listTasks()`: a valid `Date` or epoch ms, as epoch ms. */
const listTimeError = {
  error: (issue: { input?: unknown }) => `must be a Date or epoch ms; got ${describe(issue.input)}`,
};
const listTimeBound = z
  .union([z.date(), z.number().nonnegative(listTimeError)], listTimeError)
  .transform((value) => (typeof value === 'number' ? value : value.getTime()));

/** The filter of `client.listTasks()`. Every field is optional. */
export const taskListFilterSchema = z
  .strictObject({
    /** Only tasks in this status. */
    status: z
      .enum(TASK_STATUSES, {
        error: (issue) => `must be one of ${TASK_STATUSES.join(', ')}; got ${describe(issue.input)}`,
      })
      .optional(),
    /** Only tasks of this model. Default `liveportrait`. */
    model: z
      .string({ error: (issue) => `must be a model name; got ${describe(issue.input)}` })
      .min(1, { error: 'must not be empty' })
      .optional(),
    /** Only tasks submitted at or after this time (second precision). */
    startTime: listTimeBound.optional(),
    /** Only tasks submitted at or before this time (second precision, that whole second included). */
    endTime: listTimeBound.optional(),
    /** Tasks per page request, 1–100. Default 100: the fewest requests from the account's query budget. */
    pageSize: boundedNumber({ min: 1, max: MAX_LIST_PAGE_SIZE }, { integer: true }).optional(),
  })
  .refine(
    ({ startTime, endTime }) => startTime === undefined || endTime === undefined || endTime >= startTime,
    { path: ['endTime'], error: 'must not be before startTime' },
  );

/** The filter of `client.listTasks()`: status, model, submit-time window, page size. */
export type TaskListFilter = z.input<typeof taskListFilterSchema>;

/** Fields every task has. Times are DashScope's strings as sent (`2025-12-26 11:33:03.146`, Beijing time). */
export interface TaskBase {
  taskId: string;
  /** `request_id` of the query that returned this view of the task. */
  requestId: string;
  /** The status string exactly as DashScope sent it. */
  rawStatus: string;
  submitTime?: string | undefined;
  scheduledTime?: string | undefined;
  endTime?: string | undefined;
}

/** A task still on its way: queued, running, suspended, or in a status this SDK does not know. */
export interface ActiveTask extends TaskBase {
  status: 'PENDING' | 'RUNNING' | 'SUSPENDED' | 'UNRECOGNIZED';
}
/** A finished task with its video. */
export interface SucceededTask extends TaskBase {
  status: 'SUCCEEDED';
  /** Signed URL of the MP4, valid 24 hours after the task ended. */
  videoUrl: string;
  /** Seconds of video generated (what is billed). */
  videoDuration: number | undefined;
  /** Frame type, `standard`. */
  videoRatio: string | undefined;
}
/** A task that failed; `code` and `message` are DashScope's reason. */
export interface FailedTask extends TaskBase {
  status: 'FAILED';
  code: string;
  message: string;
}
/** A canceled task. */
export interface CanceledTask extends TaskBase {
  status: 'CANCELED';
}
/** A task DashScope does not know: never existed, or expired (kept about 24 h). */
export interface UnknownTask extends TaskBase {
  status: 'UNKNOWN';
}

/** A task as returned by `getTask()`, discriminated on `status`. */
export type Task = ActiveTask | SucceededTask | FailedTask | CanceledTask | UnknownTask;

/**
 * Maps a parsed `GET /tasks/{id}` answer to a {@link Task}. The common fields are extended with
 * `Object.assign`, not spread into a new literal: V8 spreads an object into a literal with more
 * properties on a slow path (2 µs per task, measured), which every poll paid.
 */
export function taskFromWire(wire: TaskResponseWire): Task {
  const { output } = wire;
  const base: TaskBase = {
    taskId: output.task_id,
    requestId: wire.request_id,
    rawStatus: output.task_status,
    submitTime: output.submit_time,
    scheduledTime: output.scheduled_time,
    endTime: output.end_time,
  };
  switch (output.task_status) {
    case 'SUCCEEDED': {
      const videoUrl = output.results?.video_url;
      // A success without a video cannot be used; surfacing it as a failure is more honest than a result.
      if (!videoUrl)
        return Object.assign(base, {
          status: 'FAILED' as const,
          code: 'MissingVideoUrl',
          message: 'SUCCEEDED without a video_url',
        });
      return Object.assign(base, {
        status: 'SUCCEEDED' as const,
        videoUrl,
        videoDuration: wire.usage?.video_duration,
        videoRatio: wire.usage?.video_ratio,
      });
    }
    case 'FAILED':
      return Object.assign(base, {
        status: 'FAILED' as const,
        code: output.code ?? 'Unknown',
        message: output.message ?? '',
      });
    case 'CANCELED':
    case 'UNKNOWN':
    case 'PENDING':
    case 'RUNNING':
    case 'SUSPENDED':
      return Object.assign(base, { status: output.task_status });
    default:
      return Object.assign(base, { status: 'UNRECOGNIZED' as const });
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(truncate(value, 40));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return typeof value;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
