/**
 * Reading the first bytes of a media file, local or remote, so the checks can look at real headers
 * without reading whole files. Remote files are read with ranged GETs.
 */
import { MediaUnreachableError } from '../errors.js';
import { headerValue } from '../internal/http.js';
import { connectionFailure, type MediaDeps, mediaRequest, redactUrl, withMediaRetries } from './http.js';

/** The start of a file and, when known, its size. */
export interface ByteReader {
  /** Size of the whole file in bytes; undefined until known (remote files: after the first read). */
  readonly size: number | undefined;
  /** The first `length` bytes, or the whole file when it is shorter. */
  readPrefix(length: number): Promise<Uint8Array>;
}

/** A reader over a Blob; for a file-backed Blob (`fs.openAsBlob`) only the slice read touches the disk. */
export function blobReader(blob: Blob): ByteReader {
  return {
    size: blob.size,
    readPrefix: async (length) => new Uint8Array(await blob.slice(0, length).arrayBuffer()),
  };
}

/**
 * A reader over an http(s) URL. Each read is one `GET` with `Range: bytes=0-{n-1}`: a 206 answer's
 * `Content-Range` gives the size in the same round trip. A server that ignores `Range` answers 200
 * with the whole file; then the body is read only up to `n` bytes and the connection is dropped.
 *
 * No HEAD first: it would cost a round trip, and presigned OSS/S3 URLs sign the HTTP verb, so a HEAD
 * on a URL signed for GET fails with 403 although the file is fine. HEAD is only asked when neither
 * `Content-Range` nor `Content-Length` gave the size.
 */
export function remoteReader(deps: MediaDeps, url: string, signal: AbortSignal | undefined): ByteReader {
  let size: number | undefined;
  let cached: Uint8Array = new Uint8Array(0);
  let complete = false;

  const readOnce = async (length: number): Promise<Uint8Array> => {
    const response = await mediaRequest(deps, url, { headers: { range: `bytes=0-${length - 1}` }, signal });
    // 416: the range starts past the end, which for bytes=0- means an empty file.
    if (response.status === 416) {
      await response.body.dump();
      size = 0;
      complete = true;
      return new Uint8Array(0);
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body.dump().catch(() => undefined);
      throw new MediaUnreachableError({ url: redactUrl(url), status: response.status });
    }
    const total =
      response.status === 206
        ? totalFromContentRange(headerValue(response.headers['content-range']))
        : lengthHeader(response.headers['content-length']);
    let bytes: Uint8Array;
    try {
      bytes = await readAtMost(response.body, length);
    } catch (error) {
      throw connectionFailure(error, url, signal);
    }
    if (total !== undefined) size = total;
    else if (bytes.length < length) size = bytes.length;
    complete = size !== undefined && bytes.length >= size;
    return bytes;
  };

  return {
    get size() {
      return size;
    },
    async readPrefix(length) {
      if (cached.length >= length || complete) return cached.subarray(0, length);
      cached = await withMediaRetries(deps, url, signal, () => readOnce(length));
      if (size === undefined) size = await sizeFromHead(deps, url, signal);
      return cached.subarray(0, length);
    },
  };
}

/** Reads a body until `limit` bytes, then drops the rest (and with it the connection). */
async function readAtMost(body: AsyncIterable<Uint8Array> & { destroy(): unknown }, limit: number) {
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    received += chunk.length;
    if (received >= limit) break;
  }
  body.destroy();
  const all = Buffer.concat(chunks, Math.min(received, limit));
  return new Uint8Array(all.buffer, all.byteOffset, all.length);
}

async function sizeFromHead(deps: MediaDeps, url: string, signal: AbortSignal | undefined) {
  try {
    const response = await mediaRequest(deps, url, { method: 'HEAD', signal });
    await response.body.dump();
    return response.status === 200 ? lengthHeader(response.headers['content-length']) : undefined;
  } catch {
    return undefined; // best effort: the size limit is then checked on what was read
  }
}

/** `bytes 0-65535/1234567` → 1234567; `*` or garbage → undefined. */
export function totalFromContentRange(value: string | undefined): number | undefined {
  const match = value?.match(/\/(\d+)\s*$/);
  return match ? Number(match[1]) : undefined;
}

function lengthHeader(value: string | string[] | undefined): number | undefined {
  const text = headerValue(value);
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}
