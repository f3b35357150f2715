/**
 * Server-side checks of request bodies and query strings, in the order DashScope's gateway makes
 * them, with DashScope-style codes and messages. The numbers come from src/schemas.ts, the one place
 * the SDK keeps the model's documented limits, so client and emulator cannot drift apart.
 */

import { parseListTime } from '../internal/time.js';
import { LIMITS, TASK_STATUSES, TEMPLATE_IDS } from '../schemas.js';
import { VIDEO_MODEL } from './tasks.js';
import type { DashScopeError } from './wire.js';

/** Model name of the image check. */
export const DETECT_MODEL = 'liveportrait-detect';

/** Either the validated value or the error to answer with. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: DashScopeError };

/** A validated submit body. */
export interface SubmitBody {
  input: { image_url: string; audio_url: string };
  parameters: Record<string, unknown>;
}

/** A validated list query. */
export interface ListQuery {
  startTime: number | undefined;
  endTime: number | undefined;
  modelName: string | undefined;
  status: string | undefined;
  pageNo: number;
  pageSize: number;
}

/** Largest `page_size` the list accepts. */
export const MAX_PAGE_SIZE = 100;

/** The statuses the list endpoint filters on: every documented one. */
const LIST_STATUSES: readonly string[] = TASK_STATUSES;

const invalid = (
  message: string,
  code = 'InvalidParameter',
  status = 400,
): { ok: false; error: DashScopeError } => ({
  ok: false,
  error: { status, code, message },
});

/** What a request carries that validation looks at. */
export interface RequestFacts {
  /** The body, parsed; `undefined` when it was not valid JSON. */
  body: unknown;
  /** `X-DashScope-Async` header, lower-cased. */
  asyncHeader: string | undefined;
  /** Whether `X-DashScope-OssResourceResolve: enable` was sent (needed for `oss://` URLs). */
  ossResolve: boolean;
}

/** Checks a body's `model` against the endpoint's model; `undefined` when it is right. */
function checkModel(
  body: Record<string, unknown>,
  expected: string,
): { ok: false; error: DashScopeError } | undefined {
  if (body.model === undefined || body.model === '') {
    return invalid('Required parameter "model" missing from request.', 'BadRequest.EmptyModel');
  }
  if (body.model !== expected) return invalid('Model not exist.');
  return undefined;
}

function checkMediaUrl(value: unknown, field: string, ossResolve: boolean): DashScopeError | undefined {
  if (typeof value !== 'string' || value === '') {
    return { status: 400, code: 'InvalidParameter', message: `Field required: input.${field}` };
  }
  const protocol = URL.canParse(value) ? new URL(value).protocol : undefined;
  if (protocol === 'http:' || protocol === 'https:') return undefined;
  if (protocol === 'oss:' && ossResolve) return undefined;
  const hint =
    protocol === 'oss:' ? ' (oss:// URLs need the header X-DashScope-OssResourceResolve: enable)' : '';
  return {
    status: 400,
    code: 'InvalidURL',
    message: `The provided URL in input.${field} is invalid${hint}.`,
  };
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

type NumberParam = 'eye_move_freq' | 'video_fps' | 'mouth_move_strength' | 'head_move_strength';
const NUMBER_PARAMS: Record<NumberParam, { min: number; max: number; integer: boolean }> = {
  eye_move_freq: { ...LIMITS.eyeMoveFreq, integer: false },
  video_fps: { ...LIMITS.videoFps, integer: true },
  mouth_move_strength: { ...LIMITS.mouthMoveStrength, integer: false },
  head_move_strength: { ...LIMITS.headMoveStrength, integer: false },
};

function checkParameters(parameters: Record<string, unknown>): string | undefined {
  const template = parameters.template_id;
  if (template !== undefined && !(TEMPLATE_IDS as readonly unknown[]).includes(template)) {
    return `parameters.template_id must be one of ${TEMPLATE_IDS.join(', ')}, got ${JSON.stringify(template)}.`;
  }
  for (const [name, range] of Object.entries(NUMBER_PARAMS)) {
    const value = parameters[name];
    if (value === undefined) continue;
    const kind = range.integer ? 'an integer' : 'a number';
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (!range.integer || Number.isInteger(value)) &&
      value >= range.min &&
      value <= range.max;
    if (!ok)
      return `parameters.${name} must be ${kind} in [${range.min}, ${range.max}], got ${JSON.stringify(value)}.`;
  }
  if (parameters.paste_back !== undefined && typeof parameters.paste_back !== 'boolean') {
    return `parameters.paste_back must be a boolean, got ${JSON.stringify(parameters.paste_back)}.`;
  }
  return undefined;
}

/** Validates `POST /services/aigc/image2video/video-synthesis/`. */
export function checkSubmit(facts: RequestFacts): Checked<SubmitBody> {
  const body = asObject(facts.body);
  if (!body) return invalid('The request body is not a valid JSON object.');
  const modelError = checkModel(body, VIDEO_MODEL);
  if (modelError) return modelError;
  // The real service answers a synchronous call to an async-only model with 403, not 400.
  if (facts.asyncHeader !== 'enable') {
    return invalid('current user api does not support synchronous calls', 'AccessDenied', 403);
  }
  const input = asObject(body.input);
  if (!input)
    return invalid('Required input parameter "input" missing from request.', 'BadRequest.EmptyInput');
  const urlError =
    checkMediaUrl(input.image_url, 'image_url', facts.ossResolve) ??
    checkMediaUrl(input.audio_url, 'audio_url', facts.ossResolve);
  if (urlError) return { ok: false, error: urlError };
  const parameters = body.parameters === undefined ? {} : asObject(body.parameters);
  if (!parameters) return invalid('parameters must be a JSON object.');
  const parameterError = checkParameters(parameters);
  if (parameterError) return invalid(parameterError);
  return {
    ok: true,
    value: {
      input: { image_url: input.image_url as string, audio_url: input.audio_url as string },
      parameters,
    },
  };
}

/** Validates `POST /services/aigc/image2video/face-detect`; the value is the image URL. */
export function checkDetect(facts: RequestFacts): Checked<string> {
  const body = asObject(facts.body);
  if (!body) return invalid('The request body is not a valid JSON object.');
  const modelError = checkModel(body, DETECT_MODEL);
  if (modelError) return modelError;
  if (facts.asyncHeader === 'enable') {
    return invalid('current user api does not support asynchronous calls', 'AccessDenied', 403);
  }
  const input = asObject(body.input);
  if (!input)
    return invalid('Required input parameter "input" missing from request.', 'BadRequest.EmptyInput');
  const urlError = checkMediaUrl(input.image_url, 'image_url', facts.ossResolve);
  if (urlError) return { ok: false, error: urlError };
  return { ok: true, value: input.image_url as string };
}

function positiveInt(text: string | null, fallback: number, name: string, max: number): Checked<number> {
  if (text === null || text === '') return { ok: true, value: fallback };
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    return invalid(`${name} must be an integer in [1, ${max}], got ${JSON.stringify(text)}.`);
  }
  return { ok: true, value };
}

/** Validates the query string of `GET /tasks`. */
export function checkListQuery(params: URLSearchParams): Checked<ListQuery> {
  const times: Record<'start_time' | 'end_time', number | undefined> = {
    start_time: undefined,
    end_time: undefined,
  };
  for (const name of ['start_time', 'end_time'] as const) {
    const text = params.get(name);
    if (text === null || text === '') continue;
    const parsed = parseListTime(text);
    if (parsed === undefined)
      return invalid(`${name} must be formatted as YYYYMMDDhhmmss, got ${JSON.stringify(text)}.`);
    times[name] = parsed;
  }
  const status = params.get('status') || undefined;
  if (status !== undefined && !LIST_STATUSES.includes(status)) {
    return invalid(`status must be one of ${LIST_STATUSES.join(', ')}, got ${JSON.stringify(status)}.`);
  }
  const pageNo = positiveInt(params.get('page_no'), 1, 'page_no', Number.MAX_SAFE_INTEGER);
  if (!pageNo.ok) return pageNo;
  const pageSize = positiveInt(params.get('page_size'), 10, 'page_size', MAX_PAGE_SIZE);
  if (!pageSize.ok) return pageSize;
  return {
    ok: true,
    value: {
      startTime: times.start_time,
      endTime: times.end_time,
      modelName: params.get('model_name') || undefined,
      status,
      pageNo: pageNo.value,
      pageSize: pageSize.value,
    },
  };
}
