/**
 * The DashScope calls this model uses, one function each: path, headers and body built from the
 * wire schemas, sent through the transport, the answer mapped back to the SDK's types. Inputs arrive
 * already validated by the client.
 */
import type { TaskListPage, TaskListQuery } from './polling/ports.js';
import {
  cancelResponseWireSchema,
  detectResponseWireSchema,
  type SubmitRequestWire,
  submitResponseWireSchema,
  type Task,
  taskFromWire,
  taskListResponseWireSchema,
  taskResponseWireSchema,
  type UploadPolicyWire,
  uploadPolicyWireSchema,
} from './schemas.js';
import type { Transport } from './transport.js';

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
  signal?: AbortSignal,
): Promise<DetectResult> {
  const answer = await transport.request({
    method: 'POST',
    path: '/services/aigc/image2video/face-detect',
    body: { model: 'liveportrait-detect', input: { image_url: imageUrl } },
    headers: ossHeaders(imageUrl),
    schema: detectResponseWireSchema,
    retry: 'idempotent',
    signal,
  });
  return { pass: answer.output.pass, message: answer.output.message, requestId: answer.request_id };
}

export async function submitJob(
  transport: Transport,
  body: SubmitRequestWire,
  signal?: AbortSignal,
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
    signal,
  });
  return { taskId: answer.output.task_id, status: answer.output.task_status, requestId: answer.request_id };
}

/** `maxRetries` overrides the client's: a wait passes 0, since its next poll is its retry. */
export async function queryTask(
  transport: Transport,
  taskId: string,
  signal?: AbortSignal,
  maxRetries?: number,
): Promise<Task> {
  const answer = await transport.request({
    method: 'GET',
    path: `/tasks/${encodeURIComponent(taskId)}`,
    schema: taskResponseWireSchema,
    retry: 'idempotent',
    spends: 'query',
    maxRetries,
    signal,
  });
  return taskFromWire(answer);
}

/** Lists this model's tasks (`GET /tasks`). It spends from the same per-account query budget. */
export async function listTasks(
  transport: Transport,
  query: TaskListQuery,
  signal?: AbortSignal,
): Promise<TaskListPage> {
  const answer = await transport.request({
    method: 'GET',
    path: '/tasks',
    query: {
      start_time: query.startTime,
      model_name: 'liveportrait',
      status: query.status,
      page_no: query.pageNo,
      page_size: query.pageSize,
    },
    schema: taskListResponseWireSchema,
    retry: 'idempotent',
    spends: 'query',
    // Like polls: the end detector retries (its next sweep), within the budget.
    maxRetries: 0,
    signal,
  });
  return {
    items: answer.data.map((item) => ({
      taskId: item.task_id,
      status: item.status,
      submittedAt: item.gmt_create,
      startedAt: item.start_time,
      endedAt: item.end_time,
    })),
    totalPages: Math.max(1, answer.total_page ?? 1),
  };
}

export async function cancelTask(transport: Transport, taskId: string, signal?: AbortSignal): Promise<void> {
  await transport.request({
    method: 'POST',
    path: `/tasks/${encodeURIComponent(taskId)}/cancel`,
    schema: cancelResponseWireSchema,
    retry: 'idempotent',
    signal,
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
