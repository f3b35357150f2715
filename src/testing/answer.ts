/**
 * One request through the msw handlers, in the form both transports of the emulator deliver it: the
 * real-port server (server.ts) and the in-process undici dispatcher (dispatcher.ts). Routing, the
 * 404 for a path no handler knows, the 500 for a handler that throws, and the framing of the answer
 * are decided here once, so the two cannot answer the same request differently.
 */
import { STATUS_CODES } from 'node:http';
import type { HttpHandler } from 'msw';
import { getResponse } from './msw.js';

/** What the emulator answers: an HTTP response, or a dropped connection (a `reset` fault). */
export type EmulatorAnswer =
  | { kind: 'reset' }
  | {
      kind: 'response';
      status: number;
      statusText: string;
      /** Lower-case names; `content-length` is always set when there is a body. */
      headers: Record<string, string>;
      /** `undefined` for HEAD and for answers without a body. */
      body: Buffer | undefined;
    };

/** What a transport knows of an incoming request. */
export interface IncomingRequest {
  url: URL;
  method: string;
  headers: Headers;
  /**
   * The body, streamed rather than buffered (a `reset-before-body` fault answers before reading it);
   * called only for methods that carry one.
   */
  body(): ReadableStream<Uint8Array> | undefined;
  /** Aborted when the client goes away; it ends a `hang`. */
  signal: AbortSignal;
}

/** Runs `incoming` through `handlers` and frames the answer. Never rejects. */
export async function answerRequest(
  handlers: HttpHandler[],
  incoming: IncomingRequest,
): Promise<EmulatorAnswer> {
  const { method } = incoming;
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const request = new Request(incoming.url, {
    method,
    headers: incoming.headers,
    body: hasBody ? incoming.body() : undefined,
    duplex: 'half',
    signal: incoming.signal,
  });
  let response: Response | undefined;
  try {
    response = await getResponse(handlers, request);
    if (response?.type === 'error') return { kind: 'reset' };
    // Read here, inside the try: a body that fails to stream is the emulator's 500 too.
    const body = method === 'HEAD' || !response?.body ? undefined : Buffer.from(await response.arrayBuffer());
    if (!response) return frame(404, { 'content-type': 'text/plain' }, Buffer.from('Not Found'));
    return frame(response.status, Object.fromEntries(response.headers), body, response.statusText);
  } catch (error) {
    return frame(500, { 'content-type': 'text/plain' }, Buffer.from(`emulator error: ${String(error)}`));
  }
}

function frame(
  status: number,
  headers: Record<string, string>,
  body: Buffer | undefined,
  statusText = '',
): EmulatorAnswer {
  // A known length, like DashScope's gateway sends, rather than chunked encoding.
  if (body && headers['content-length'] === undefined) headers['content-length'] = String(body.length);
  return { kind: 'response', status, statusText: statusText || STATUS_CODES[status] || '', headers, body };
}
