/**
 * How the SDK's answers and errors look as MCP tool results. Successes carry `structuredContent`
 * (checked by the MCP SDK against the tool's output schema) plus the same JSON as text for clients
 * that read only text; a finished video also comes as a `resource_link`. Every failure becomes a
 * result with `isError: true` whose text is the library's own message, so the model can correct
 * its call; nothing here throws.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  APIError,
  ConnectionError,
  LivePortraitError,
  RateLimitError,
  type Task,
  ValidationError,
  type VideoResult,
  type WaitTimeoutError,
} from '../../index.js';
import type { TaskOutput } from './schemas.js';

/** The tool argument each of the library's field names stands for, to speak the caller's terms. */
const ARGUMENT_FOR_PATH: Record<string, string> = {
  imageUrl: 'image',
  audioUrl: 'audio',
  templateId: 'template_id',
  eyeMoveFreq: 'eye_move_freq',
  videoFps: 'video_fps',
  mouthMoveStrength: 'mouth_move_strength',
  pasteBack: 'paste_back',
  headMoveStrength: 'head_move_strength',
  taskId: 'task_id',
};

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN']);

/** A task's state as structured content. */
export function taskOutputOf(task: Task): TaskOutput {
  const output: TaskOutput = {
    task_id: task.taskId,
    status: task.status,
    done: FINAL.has(task.status),
    request_id: task.requestId,
    submit_time: task.submitTime,
    scheduled_time: task.scheduledTime,
    end_time: task.endTime,
  };
  if (task.status === 'SUCCEEDED') {
    Object.assign(output, {
      video_url: task.videoUrl,
      video_duration: task.videoDuration,
      video_ratio: task.videoRatio,
    });
  }
  if (task.status === 'FAILED') Object.assign(output, { error_code: task.code, error_message: task.message });
  return output;
}

/** A finished video: a `resource_link` to the MP4, a sentence, and the structured content. */
export function videoResult(video: VideoResult): CallToolResult {
  const output: TaskOutput = {
    task_id: video.taskId,
    status: 'SUCCEEDED',
    done: true,
    video_url: video.videoUrl,
    video_duration: video.videoDuration,
    video_ratio: video.videoRatio,
    submit_time: video.submitTime,
    scheduled_time: video.scheduledTime,
    end_time: video.endTime,
    request_id: video.requestId,
  };
  const seconds = video.videoDuration === undefined ? '' : ` (${video.videoDuration} s of video)`;
  return {
    content: [
      {
        type: 'resource_link',
        uri: video.videoUrl,
        name: `liveportrait-${video.taskId}.mp4`,
        title: 'Talking-portrait video',
        mimeType: 'video/mp4',
        description: 'Signed link; it expires 24 hours after the task ended.',
      },
      {
        type: 'text',
        text:
          `Task ${video.taskId} SUCCEEDED${seconds}. Video: ${video.videoUrl}\n` +
          'The link expires 24 hours after the task ended: download the video before then.',
      },
      jsonText(output),
    ],
    structuredContent: stripUndefined(output),
  };
}

/** A task's state from a single query (`get_task`): any status is a successful answer. */
export function taskResult(task: Task): CallToolResult {
  if (task.status === 'SUCCEEDED') return videoResult(task);
  const output = taskOutputOf(task);
  return {
    content: [{ type: 'text', text: describeTask(output) }, jsonText(output)],
    structuredContent: stripUndefined(output),
  };
}

/** A wait that ran out while the task was still on its way: not an error, the task may still finish. */
export function stillRunningResult(error: WaitTimeoutError): CallToolResult {
  const output: TaskOutput = {
    task_id: error.taskId,
    status: error.lastStatus as TaskOutput['status'],
    done: false,
  };
  const text =
    `Task ${error.taskId} is not finished yet (${error.lastStatus ?? 'no status seen yet'}). ` +
    `Call wait_for_task with task_id "${error.taskId}" to keep waiting; do not submit it again.`;
  return { content: [{ type: 'text', text }, jsonText(output)], structuredContent: stripUndefined(output) };
}

/**
 * Any failure as a tool error. `taskId` is the task the call created or waited for, if known: when
 * the failure does not end the task (network, throttling), the text says how to pick it up again.
 */
export function errorResult(error: unknown, taskId: string | undefined, redact: (text: string) => string) {
  const lines = [describeError(error)];
  const resumable =
    error instanceof ConnectionError || error instanceof RateLimitError || isServerError(error);
  if (taskId !== undefined && resumable) {
    lines.push(`Task ${taskId} may still finish: call wait_for_task with task_id "${taskId}".`);
  }
  return {
    isError: true,
    content: [{ type: 'text', text: redact(lines.join('\n')) }],
  } satisfies CallToolResult;
}

function describeError(error: unknown): string {
  if (error instanceof ValidationError) {
    const issues = error.issues.map((issue) => {
      const argument = ARGUMENT_FOR_PATH[issue.path] ?? issue.path;
      return argument ? `${argument}: ${issue.message}` : issue.message;
    });
    return `Invalid input: ${issues.join('; ')}`;
  }
  if (error instanceof APIError) {
    const requestId = error.requestId ? `, request id ${error.requestId}` : '';
    return `${error.name}: ${error.message} (HTTP ${error.status}, code ${error.code}${requestId})`;
  }
  if (error instanceof LivePortraitError) return `${error.name}: ${error.message}`;
  return `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}

function isServerError(error: unknown): boolean {
  return error instanceof APIError && (error.status >= 500 || error.status === 408);
}

function describeTask(output: TaskOutput): string {
  const base = `Task ${output.task_id} is ${output.status}.`;
  if (output.status === 'FAILED') return `${base} ${output.error_code}: ${output.error_message}`;
  if (output.status === 'UNKNOWN')
    return `${base} It never existed, or it expired (tasks are kept about 24 hours).`;
  if (output.done) return base;
  return `${base} Call wait_for_task with task_id "${output.task_id}" to wait for it.`;
}

function jsonText(output: TaskOutput) {
  return { type: 'text' as const, text: JSON.stringify(stripUndefined(output)) };
}

/** JSON has no `undefined`: drop those keys so structured content and its text agree. */
function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
