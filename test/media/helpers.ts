/**
 * Test helpers for media: fixture paths, boundary files built in memory (so no big file is
 * committed), and a small file server on a loopback port that can be told to misbehave.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { onCleanup } from '../helpers/cleanup.js';

/** Absolute path of a committed fixture. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/media/${name}`, import.meta.url));
}

/** A committed fixture's bytes. */
export function fixtureBytes(name: string): Buffer {
  return readFileSync(fixture(name));
}

/** A PCM WAV of `seconds` of silence: 8 kHz, 8-bit, mono, so 181 s is only 1.4 MB. */
export function silentWav(seconds: number, sampleRate = 8000): Buffer {
  const dataBytes = Math.round(seconds * sampleRate);
  const buffer = Buffer.alloc(44 + dataBytes, 0x80); // 0x80 is silence in unsigned 8-bit PCM
  buffer.write('RIFF', 0, 'ascii');
  buffer.writeUInt32LE(36 + dataBytes, 4);
  buffer.write('WAVEfmt ', 8, 'ascii');
  buffer.writeUInt32LE(16, 16); // fmt chunk size
  buffer.writeUInt16LE(1, 20); // PCM
  buffer.writeUInt16LE(1, 22); // mono
  buffer.writeUInt32LE(sampleRate, 24);
  buffer.writeUInt32LE(sampleRate, 28); // byte rate: 1 byte per sample
  buffer.writeUInt16LE(1, 32); // block align
  buffer.writeUInt16LE(8, 34); // bits per sample
  buffer.write('data', 36, 'ascii');
  buffer.writeUInt32LE(dataBytes, 40);
  return buffer;
}

/**
 * A PNG signature and IHDR chunk claiming `width`×`height`, padded to `totalBytes`: enough for any
 * header reader, and a way to build a 4097-px or a 10 MB "image" without encoding pixels.
 */
export function pngHeader(width: number, height: number, totalBytes = 64): Buffer {
  const buffer = Buffer.alloc(Math.max(totalBytes, 33));
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(buffer, 0);
  buffer.writeUInt32BE(13, 8);
  buffer.write('IHDR', 12, 'ascii');
  buffer.writeUInt32BE(width, 16);
  buffer.writeUInt32BE(height, 20);
  buffer.writeUInt8(8, 24); // bit depth
  buffer.writeUInt8(2, 25); // colour type RGB
  return buffer;
}

/** The MP3 fixture with a bigger ID3v2 tag in front (padding), as cover art would make it. */
export function mp3WithBigTag(name: string, tagBytes: number): Buffer {
  const original = fixtureBytes(name);
  const oldTag = original.subarray(0, 3).toString('ascii') === 'ID3' ? 10 + syncsafe(original, 6) : 0;
  const header = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0]);
  const size = tagBytes - 10;
  header.writeUInt8((size >> 21) & 0x7f, 6);
  header.writeUInt8((size >> 14) & 0x7f, 7);
  header.writeUInt8((size >> 7) & 0x7f, 8);
  header.writeUInt8(size & 0x7f, 9);
  return Buffer.concat([header, Buffer.alloc(size), original.subarray(oldTag)]);
}

function syncsafe(buffer: Buffer, offset: number): number {
  let value = 0;
  for (let i = 0; i < 4; i++) value = (value << 7) | ((buffer[offset + i] ?? 0) & 0x7f);
  return value;
}

/** What the file server saw of one request. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

/** How a served file misbehaves. */
export interface ServeOptions {
  /** Answer with this status instead of the file. */
  status?: number;
  /** Ignore `Range` and always send the whole file (some servers do). */
  ignoreRange?: boolean;
  /** Send this many bytes of the body, then reset the connection, for the first `times` requests. */
  resetAfter?: { bytes: number; times: number };
  /** Send this many bytes, then stall (until the client aborts). */
  stallAfter?: number;
  /** Redirect to this URL instead. */
  redirectTo?: string;
}

/** A file server on a loopback port, closed after the test. */
export interface FileServer {
  url: string;
  requests: SeenRequest[];
  /** Body bytes actually written, over all requests. */
  bytesSent: number;
  serve(path: string, bytes: Uint8Array, options?: ServeOptions): void;
}

export async function fileServer(): Promise<FileServer> {
  const files = new Map<string, { bytes: Uint8Array; options: ServeOptions; served: number }>();
  const sockets = new Set<Socket>();
  const state: FileServer = {
    url: '',
    requests: [],
    bytesSent: 0,
    serve: (path, bytes, options = {}) => void files.set(path, { bytes, options, served: 0 }),
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    state.requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
    const file = files.get(path);
    if (!file) return void res.writeHead(404).end('not found');
    answer(state, file, req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  onCleanup(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return state;
}

function answer(
  state: FileServer,
  file: { bytes: Uint8Array; options: ServeOptions; served: number },
  req: IncomingMessage,
  res: ServerResponse,
) {
  const { bytes, options } = file;
  if (options.redirectTo) return void res.writeHead(302, { location: options.redirectTo }).end();
  if (options.status) return void res.writeHead(options.status, { 'content-type': 'text/plain' }).end('no');
  const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  const ranged = match && !options.ignoreRange;
  const start = ranged ? Number(match[1]) : 0;
  const end = ranged ? Math.min(Number(match[2]), bytes.length - 1) : bytes.length - 1;
  const body = Buffer.from(bytes.subarray(start, end + 1));
  const headers: Record<string, string> = { 'content-length': String(body.length), 'accept-ranges': 'bytes' };
  if (ranged) headers['content-range'] = `bytes ${start}-${end}/${bytes.length}`;
  res.writeHead(ranged ? 206 : 200, headers);
  if (req.method === 'HEAD') return void res.end();
  file.served += 1;
  const reset =
    options.resetAfter && file.served <= options.resetAfter.times ? options.resetAfter.bytes : undefined;
  const cut = reset ?? options.stallAfter;
  if (cut === undefined) {
    state.bytesSent += body.length;
    return void res.end(body);
  }
  state.bytesSent += cut;
  res.write(body.subarray(0, cut), () => {
    if (reset !== undefined) setTimeout(() => req.socket.resetAndDestroy(), 20);
  });
}
