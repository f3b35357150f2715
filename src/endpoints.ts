/**
 * The DashScope calls this model uses, one function each: path, headers and body built from the
 * wire schemas, sent through the transport, the answer mapped back to the SDK's types. Inputs arrive
 * already validated by the client.
 */
import type { TaskListItem, TaskListPage, TaskListQuery } from './polling/ports.js';
import {
  cancelResponseWireSchema,
  detectResponseWireSchema,
  type SubmitRequestWire,
  submitResponseWireSchema,
  type Task,
  type TaskStatus,
  taskFromWire,
  taskListResponseWireSchema,
  taskResponseWireSchema,
  toTaskStatus,
  type UploadPolicyWire,
  uploadPolicyWireSchema,
} from './schemas.js';
import type { RequestSpec, Transport } from './transport.js';

/** Per-call settings every endpoint passes on: the caller's signal, timeout and retry overrides. */
export type EndpointCall = Pick<RequestSpec<unknown>, 'signal' | 'timeout' | 'maxRetries'>;

/** Result of the image check. */
export interface DetectResult {
  /** Whether the portrait can be used by LivePortrait. */
  pass: boolean;
  /** DashScope's reason when `pass` is false (e.g. `No human face detected.`); empty otherwise. */
  message: string;
  requestId: string;
}

/** Result of a submit: the job exists from here on and is billed when it produces video. */
export interface SubmitResult {
  taskId: string;
  /** Status right after submit, normally `PENDING`. */
  status: string;
  requestId: string;
}

/** DashScope resolves `oss://` URLs from its temporary storage only when asked to by this header. */
function ossHeaders(...urls: string[]): Record<string, string> {
  return urls.some((url) => url.startsWith('oss://')) ? { 'X-DashScope-OssResourceResolve': 'enable' } : {};
}

export async function detectImage(
  transport: Transport,
  imageUrl: string,
  call: EndpointCall = {},
): Promise<DetectResult> {
  const answer = await transport.request({
    method: 'POST',
    path: '/services/aigc/image2video/face-detect',
    body: { model: 'liveportrait-detect', input: { image_url: imageUrl } },
    headers: ossHeaders(imageUrl),
    schema: detectResponseWireSchema,
    retry: 'idempotent',
    ...call,
  });
  return { pass: answer.output.pass, message: answer.output.message, requestId: answer.request_id };
}

export async function submitJob(
  transport: Transport,
  body: SubmitRequestWire,
  call: EndpointCall = {},
): Promise<SubmitResult> {
  const answer = await transport.request({
    method: 'POST',
    // The trailing slash is part of the documented path.
    path: '/services/aigc/image2video/video-synthesis/',
    body,
    headers: { 'X-DashScope-Async': 'enable', ...ossHeaders(body.input.image_url, body.input.audio_url) },
    schema: submitResponseWireSchema,
    retry: 'submit',
    spends: 'submit',
    ...call,
  });
  return { taskId: answer.output.task_id, status: answer.output.task_status, requestId: answer.request_id };
}

/** `call.maxRetries` overrides the client's: a wait passes 0, since its next poll is its retry. */
export async function queryTask(
  transport: Transport,
  taskId: string,
  call: EndpointCall = {},
): Promise<Task> {
  const answer = await transport.request({
    method: 'GET',
    path: `/tasks/${encodeURIComponent(taskId)}`,
    schema: taskResponseWireSchema,
    retry: 'idempotent',
    spends: 'query',
    ...call,
  });
  return taskFromWire(answer);
}

/**
 * The list endpoint's filters: the end detector's {@link TaskListQuery}, with every filter optional
 * (`startTime`/`endTime` as `yyyyMMddHHmmss` Beijing time, both inclusive) and a model other than
 * `liveportrait` possible, for `listTasks()`.
 */
export interface TaskListRequest extends Omit<TaskListQuery, 'startTime'> {
  startTime?: string | undefined;
  endTime?: string | undefined;
  /** `model_name` to filter on. Default `liveportrait`. */
  model?: string | undefined;
}

/**
 * A task as `client.listTasks()` yields it: a {@link TaskListItem} (times in epoch ms, undefined where
 * DashScope did not say) whose `status` is a {@link TaskStatus}, plus the raw status and the model.
 */
export interface TaskSummary extends TaskListItem {
  /** As in `Task`: `UNRECOGNIZED` for a status this SDK does not know (see `rawStatus`). */
  status: TaskStatus;
  /** The status string exactly as DashScope sent it. */
  rawStatus: string;
  /** The model that ran the task (`model_name`), when DashScope said. */
  model: string | undefined;
}

/** Lists tasks (`GET /tasks`). Each request spends from the same per-account query budget as a query. */
export async function listTasks(
  transport: Transport,
  query: TaskListRequest,
  call: EndpointCall = {},
): Promise<TaskListPage & { items: TaskSummary[] }> {
  const answer = await transport.request({
    method: 'GET',
    path: '/tasks',
    query: {
      start_time: query.startTime,
      end_time: query.endTime,
      model_name: query.model ?? 'liveportrait',
      status: query.status,
      page_no: query.pageNo,
      page_size: query.pageSize,
    },
    schema: taskListResponseWireSchema,
    retry: 'idempotent',
    spends: 'query',
    ...call,
  });
  return {
    items: answer.data.map((item) => ({
      taskId: item.task_id,
      status: toTaskStatus(item.status),
      rawStatus: item.status,
      model: item.model_name,
      submittedAt: item.gmt_create,
      startedAt: item.start_time,
      endedAt: item.end_time,
    })),
    totalPages: Math.max(1, answer.total_page ?? 1),
  };
}

export async function cancelTask(
  transport: Transport,
  taskId: string,
  call: EndpointCall = {},
): Promise<void> {
  await transport.request({
    method: 'POST',
    path: `/tasks/${encodeURIComponent(taskId)}/cancel`,
    schema: cancelResponseWireSchema,
    retry: 'idempotent',
    ...call,
  });
}

/** A signed policy for uploading files to DashScope's temporary storage for `model` (§5). */
export async function getUploadPolicy(
  transport: Transport,
  model: string,
  signal?: AbortSignal,
): Promise<UploadPolicyWire> {
  const answer = await transport.request({
    method: 'GET',
    path: '/uploads',
    query: { action: 'getPolicy', model },
    schema: uploadPolicyWireSchema,
    retry: 'idempotent',
    signal,
  });
  return answer.data;
}
