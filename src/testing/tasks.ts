/**
 * An emulated task and how it looks on the wire. A task stores only when it was submitted and its
 * plan (queue time, run time, outcome); its status at any moment is computed from the clock, so there
 * are no timers to leak and a fake clock moves every task at once.
 */
import { formatTaskTime } from './clock.js';

/** How a task ends once it has run. */
export type TaskOutcome =
  | {
      status: 'SUCCEEDED';
      /** Seconds of video reported in `usage.video_duration`. Default: the audio's duration. */
      videoDuration?: number;
    }
  | {
      status: 'FAILED';
      /** DashScope error code, e.g. `InvalidURL`, `BadRequest.InputDownloadFailed`, `InternalError.Algo`. */
      code: string;
      message: string;
    };

/** Statuses the emulator produces. (`SUSPENDED` exists in the official SDKs but never occurs here.) */
export type EmulatedTaskStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'UNKNOWN';

/** Model name of the video tasks. */
export const VIDEO_MODEL = 'liveportrait';

/** A task as the emulator stores it. Times are epoch ms on the emulator's clock. */
export interface TaskRecord {
  readonly id: string;
  /** Account that owns the task: only its keys can see, list or cancel it. */
  readonly account: string;
  /** `request_id` of the submit call that created it. */
  readonly requestId: string;
  readonly model: typeof VIDEO_MODEL;
  readonly input: { readonly image_url: string; readonly audio_url: string };
  /** The `parameters` object as submitted (validated). */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly submittedAt: number;
  /** Audio length the run time and video duration are derived from. */
  audioSeconds: number;
  /** Time spent `PENDING`. `Infinity` keeps the task queued forever. */
  queueMs: number;
  /** Time spent `RUNNING`. `Infinity` keeps it running forever. */
  runMs: number;
  outcome: TaskOutcome;
  canceledAt?: number;
}

/** A read-only view of a task at one moment, for assertions. */
export interface TaskSnapshot {
  id: string;
  account: string;
  status: EmulatedTaskStatus;
  requestId: string;
  imageUrl: string;
  audioUrl: string;
  parameters: Readonly<Record<string, unknown>>;
  submittedAt: number;
  /** When it started running (reached or not yet), unless canceled first. */
  scheduledAt: number | undefined;
  /** When it ended (reached or not yet). */
  endedAt: number | undefined;
  outcome: TaskOutcome;
}

/** When the task leaves the queue, and when it ends; `undefined` where that never happens. */
export function taskTimes(task: TaskRecord): {
  scheduledAt: number | undefined;
  endedAt: number | undefined;
} {
  if (task.canceledAt !== undefined) return { scheduledAt: undefined, endedAt: task.canceledAt };
  const scheduledAt = task.submittedAt + task.queueMs;
  const endedAt = scheduledAt + task.runMs;
  return {
    scheduledAt: Number.isFinite(scheduledAt) ? scheduledAt : undefined,
    endedAt: Number.isFinite(endedAt) ? endedAt : undefined,
  };
}

/** The task's status at `now`; `UNKNOWN` once `retentionMs` have passed since it was submitted. */
export function statusAt(task: TaskRecord, now: number, retentionMs: number): EmulatedTaskStatus {
  if (now >= task.submittedAt + retentionMs) return 'UNKNOWN';
  if (task.canceledAt !== undefined) return 'CANCELED';
  const { scheduledAt, endedAt } = taskTimes(task);
  if (scheduledAt === undefined || now < scheduledAt) return 'PENDING';
  if (endedAt === undefined || now < endedAt) return 'RUNNING';
  return task.outcome.status;
}

/** The view of `task` at `now`. */
export function snapshotTask(task: TaskRecord, now: number, retentionMs: number): TaskSnapshot {
  return {
    id: task.id,
    account: task.account,
    status: statusAt(task, now, retentionMs),
    requestId: task.requestId,
    imageUrl: task.input.image_url,
    audioUrl: task.input.audio_url,
    parameters: task.parameters,
    submittedAt: task.submittedAt,
    ...taskTimes(task),
    outcome: task.outcome,
  };
}

/** Seconds of video a successful task reports, rounded like DashScope's `2.79`. */
export function videoDurationOf(task: TaskRecord): number {
  const seconds = task.outcome.status === 'SUCCEEDED' ? task.outcome.videoDuration : undefined;
  return Math.round((seconds ?? task.audioSeconds) * 100) / 100;
}

/** JSON body of `GET /tasks/{id}`; `task` is `undefined` for an id nobody (this account) owns. */
export function taskQueryBody(
  taskId: string,
  task: TaskRecord | undefined,
  status: EmulatedTaskStatus,
  requestId: string,
  videoUrl: (task: TaskRecord) => string,
): Record<string, unknown> {
  if (!task || status === 'UNKNOWN') {
    return { request_id: requestId, output: { task_id: taskId, task_status: 'UNKNOWN' } };
  }
  const { scheduledAt, endedAt } = taskTimes(task);
  const output: Record<string, unknown> = {
    task_id: task.id,
    task_status: status,
    submit_time: formatTaskTime(task.submittedAt),
  };
  // Times appear as they are reached: a queued task has no scheduled_time yet.
  if (status !== 'PENDING' && status !== 'CANCELED' && scheduledAt !== undefined) {
    output.scheduled_time = formatTaskTime(scheduledAt);
  }
  const ended = status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELED';
  if (ended && endedAt !== undefined) output.end_time = formatTaskTime(endedAt);
  if (status === 'SUCCEEDED') {
    output.results = { video_url: videoUrl(task) };
    return {
      request_id: requestId,
      output,
      usage: { video_duration: videoDurationOf(task), video_ratio: 'standard' },
    };
  }
  if (status === 'FAILED' && task.outcome.status === 'FAILED') {
    output.code = task.outcome.code;
    output.message = task.outcome.message;
  }
  return { request_id: requestId, output };
}

/** One entry of `GET /tasks` (times in epoch ms, as the list API sends them). */
export function taskListItem(task: TaskRecord, now: number, retentionMs: number): Record<string, unknown> {
  const status = statusAt(task, now, retentionMs);
  const { scheduledAt, endedAt } = taskTimes(task);
  const item: Record<string, unknown> = {
    task_id: task.id,
    request_id: task.requestId,
    status,
    model_name: task.model,
    region: 'cn-beijing',
    gmt_create: task.submittedAt,
  };
  const started = status === 'RUNNING' || status === 'SUCCEEDED' || status === 'FAILED';
  if (started && scheduledAt !== undefined) item.start_time = scheduledAt;
  const ended = status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELED';
  if (ended && endedAt !== undefined) item.end_time = endedAt;
  item.gmt_modified = ended && endedAt !== undefined ? endedAt : started ? scheduledAt : task.submittedAt;
  return item;
}
