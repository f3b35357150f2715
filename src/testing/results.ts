/**
 * Result videos. A SUCCEEDED task's `video_url` points back at the emulator and behaves like the
 * signed OSS URL DashScope hands out: it serves the sample MP4 (with HTTP Range support, for resumable
 * downloads) until its `Expires`, then answers 403 with OSS's XML error.
 */
import { SAMPLE_VIDEO_BASE64 } from './assets/sample-video.js';
import type { DashScopeEmulator } from './state.js';
import { type TaskRecord, taskTimes } from './tasks.js';

let sampleBytes: Uint8Array | undefined;

/** The sample MP4 every emulated task "generates" (a copy, so callers may change it). */
export function sampleVideo(): Uint8Array {
  // atob rather than Buffer: the msw handlers may also run where there is no Buffer.
  sampleBytes ??= Uint8Array.from(atob(SAMPLE_VIDEO_BASE64), (char) => char.charCodeAt(0));
  return sampleBytes.slice();
}

/** Path of a task's video below the emulator's origin. */
export function resultPath(taskId: string): string {
  return `/results/${encodeURIComponent(taskId)}.mp4`;
}

// Not a real signature (FNV-1a, twice): it only lets the emulator notice an `Expires` edited by hand.
function signature(taskId: string, expires: number): string {
  const text = `${taskId}:${expires}`;
  let [a, b] = [0x811c9dc5, 0x01000193 ^ 0x5bd1e995];
  for (let i = 0; i < text.length; i++) {
    a = Math.imul(a ^ text.charCodeAt(i), 0x01000193) >>> 0;
    b = Math.imul(b ^ text.charCodeAt(text.length - 1 - i), 0x01000193) >>> 0;
  }
  return btoa(a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0')).replace(/=+$/, '');
}

/** The signed URL of a finished task's video, valid `ttlMs` after the task ended. */
export function resultVideoUrl(origin: string, task: TaskRecord, ttlMs: number): string {
  const endedAt = taskTimes(task).endedAt ?? task.submittedAt;
  // Rounded up: the URL works at least `ttlMs` (OSS signs whole seconds).
  const expires = Math.ceil((endedAt + ttlMs) / 1000);
  const query = new URLSearchParams({
    Expires: String(expires),
    OSSAccessKeyId: 'LTAI5tLivePortraitEmulator',
    Signature: signature(task.id, expires),
  });
  return `${origin}${resultPath(task.id)}?${query}`;
}

function ossError(
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): Response {
  const requestId = crypto.randomUUID().replace(/-/g, '').slice(0, 24).toUpperCase();
  const fields = { Code: code, Message: message, RequestId: requestId, HostId: 'emulator.oss', ...extra };
  const xml = Object.entries(fields)
    .map(([name, value]) => `  <${name}>${value}</${name}>`)
    .join('\n');
  return new Response(`<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n${xml}\n</Error>\n`, {
    status,
    headers: { 'content-type': 'application/xml', 'x-oss-request-id': requestId },
  });
}

/** Answers `GET`/`HEAD {origin}/results/{taskId}.mp4?Expires=…&Signature=…`. */
export function serveResult(request: Request, taskId: string, emulator: DashScopeEmulator): Response {
  const { task } = emulator.tasks.find(taskId);
  const now = emulator.now();
  const endedAt = task ? taskTimes(task).endedAt : undefined;
  const finished =
    task?.canceledAt === undefined &&
    task?.outcome.status === 'SUCCEEDED' &&
    endedAt !== undefined &&
    now >= endedAt;
  if (!task || !finished) return ossError(404, 'NoSuchKey', 'The specified key does not exist.');

  const params = new URL(request.url).searchParams;
  const expires = Number(params.get('Expires'));
  if (!Number.isInteger(expires) || params.get('Signature') !== signature(task.id, expires)) {
    return ossError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match.');
  }
  if (now > expires * 1000) {
    return ossError(403, 'AccessDenied', 'Request has expired.', {
      Expires: new Date(expires * 1000).toISOString(),
      ServerTime: new Date(now).toISOString(),
    });
  }
  return rangeResponse(request, sampleVideo(), endedAt);
}

/** Serves `bytes` whole (200) or the one range asked for (206), or 416 for a range outside it. */
function rangeResponse(request: Request, bytes: Uint8Array, modifiedAt: number): Response {
  const size = bytes.length;
  const headers: Record<string, string> = {
    'content-type': 'video/mp4',
    'accept-ranges': 'bytes',
    etag: '"5A1B2C3D4E5F60718293A4B5C6D7E8F9"',
    'last-modified': new Date(modifiedAt).toUTCString(),
  };
  const body = (slice: Uint8Array) => (request.method === 'HEAD' ? null : slice);
  const range = parseRange(request.headers.get('range'), size);
  if (range === 'unsatisfiable') {
    return new Response(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` } });
  }
  if (range === undefined) {
    return new Response(body(bytes), {
      status: 200,
      headers: { ...headers, 'content-length': String(size) },
    });
  }
  const slice = bytes.slice(range.start, range.end + 1);
  return new Response(body(slice), {
    status: 206,
    headers: {
      ...headers,
      'content-length': String(slice.length),
      'content-range': `bytes ${range.start}-${range.end}/${size}`,
    },
  });
}

/**
 * Parses a single-range `Range: bytes=…` header. Anything else (absent, malformed, several ranges)
 * is `undefined`, which means "send it all", as RFC 9110 allows a server to do.
 */
export function parseRange(
  header: string | null,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    // bytes=-N: the last N bytes.
    const length = Number(last);
    if (length === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (end < start) return undefined;
  return { start, end };
}
