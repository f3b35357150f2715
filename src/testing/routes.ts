/**
 * The route table: every endpoint the emulator answers, in one list. handlers.ts turns each entry
 * into an msw handler and wraps it with what all routes share (faults, auth, rate limits, logging),
 * so an endpoint added later (temporary upload, bulk polling) is one more entry here and nothing else.
 */
import { resultVideoUrl, serveResult } from './results.js';
import type { Route } from './route-types.js';
import { taskListItem, taskQueryBody } from './tasks.js';
import { missingOssResponse, missingOssUrl, UPLOAD_ROUTES } from './upload-routes.js';
import { checkDetect, checkListQuery, checkSubmit, type RequestFacts } from './validation.js';
import { type DashScopeError, errorResponse, jsonResponse } from './wire.js';

/** Reads the body as JSON; `undefined` when it is empty or not JSON (validation then answers 400). */
async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function requestFacts(request: Request): Promise<RequestFacts> {
  return {
    body: await readJson(request),
    asyncHeader: request.headers.get('x-dashscope-async')?.trim().toLowerCase(),
    ossResolve: request.headers.get('x-dashscope-ossresourceresolve')?.trim().toLowerCase() === 'enable',
  };
}

const fail = (error: DashScopeError, requestId: string) => errorResponse(error, requestId);

const submit: Route['handle'] = async ({ request, emulator, requestId, account }) => {
  const checked = checkSubmit(await requestFacts(request));
  if (!checked.ok) return fail(checked.error, requestId);
  const { image_url, audio_url } = checked.value.input;
  const missing = missingOssUrl(emulator, account, [image_url, audio_url]);
  if (missing) return missingOssResponse(missing, requestId);
  const task = emulator.tasks.create(account, requestId, checked.value);
  return jsonResponse({ output: { task_id: task.id, task_status: 'PENDING' }, request_id: requestId });
};

const query: Route['handle'] = ({ params, emulator, requestId, account, resultsOrigin }) => {
  const taskId = params.taskId ?? '';
  const { task, status } = emulator.tasks.find(taskId, account);
  const videoUrl = (done: NonNullable<typeof task>) =>
    resultVideoUrl(resultsOrigin, done, emulator.resultUrlTtlMs);
  return jsonResponse(taskQueryBody(taskId, task, status, requestId, videoUrl));
};

const cancel: Route['handle'] = ({ params, emulator, requestId, account }) => {
  const result = emulator.tasks.cancel(params.taskId ?? '', account);
  if (result.ok) return jsonResponse({ request_id: requestId });
  // (uncertain) DashScope's exact wording for these two refusals is not documented.
  const error: DashScopeError =
    result.reason === 'not-pending'
      ? {
          status: 400,
          code: 'UnsupportedOperation',
          message: 'Failed to cancel the task, please confirm if the task is in PENDING status.',
        }
      : {
          status: 400,
          code: 'InvalidParameter',
          message: `Task ${params.taskId} does not exist or has expired.`,
        };
  return fail(error, requestId);
};

const list: Route['handle'] = ({ request, emulator, requestId, account }) => {
  const checked = checkListQuery(new URL(request.url).searchParams);
  if (!checked.ok) return fail(checked.error, requestId);
  const { pageNo, pageSize } = checked.value;
  const { page, total } = emulator.tasks.list(account, checked.value);
  const now = emulator.now();
  return jsonResponse({
    request_id: requestId,
    data: page.map((task) => taskListItem(task, now, emulator.tasks.retentionMs)),
    total,
    total_page: Math.ceil(total / pageSize),
    page_no: pageNo,
    page_size: pageSize,
  });
};

const detect: Route['handle'] = async ({ request, emulator, requestId, account }) => {
  const checked = checkDetect(await requestFacts(request));
  if (!checked.ok) return fail(checked.error, requestId);
  const missing = missingOssUrl(emulator, account, [checked.value]);
  if (missing) return missingOssResponse(missing, requestId);
  const verdict = emulator.checkImage(checked.value);
  return jsonResponse({ output: verdict, usage: { image_count: 1 }, request_id: requestId });
};

const result: Route['handle'] = ({ request, params, emulator }) =>
  // The file name is `{taskId}.mp4`; msw cannot split a parameter from a suffix inside one segment.
  serveResult(request, (params.file ?? '').replace(/\.mp4$/, ''), emulator);

/** Every emulated endpoint. */
export const ROUTES: readonly Route[] = [
  {
    name: 'submit',
    method: 'POST',
    path: '/services/aigc/image2video/video-synthesis/',
    base: 'api',
    auth: true,
    handle: submit,
  },
  {
    name: 'detect',
    method: 'POST',
    path: '/services/aigc/image2video/face-detect',
    base: 'api',
    auth: true,
    handle: detect,
  },
  { name: 'list', method: 'GET', path: '/tasks', base: 'api', auth: true, handle: list },
  { name: 'query', method: 'GET', path: '/tasks/:taskId', base: 'api', auth: true, handle: query },
  { name: 'cancel', method: 'POST', path: '/tasks/:taskId/cancel', base: 'api', auth: true, handle: cancel },
  // Signed URLs need no API key, like OSS.
  { name: 'result', method: 'GET', path: '/results/:file', base: 'results', auth: false, handle: result },
  { name: 'result', method: 'HEAD', path: '/results/:file', base: 'results', auth: false, handle: result },
  ...UPLOAD_ROUTES,
];
