/**
 * What users may pass as media: a remote URL (http, https, or `oss://` from DashScope's temporary
 * storage), or something local — a file path, a `file://` URL, a Buffer/Uint8Array, or a Blob/File.
 * Local inputs are read from the bytes and uploaded before a job is created.
 */
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidationIssue } from '../errors.js';

/** A media input: a remote URL string or `URL`, a local path, a `file://` URL, bytes, or a Blob/File. */
export type MediaInput = string | URL | Uint8Array | Blob;

/** Which of the two inputs. */
export type MediaField = 'image' | 'audio';

/** An input after classification: a URL DashScope can fetch itself, or bytes we must upload first. */
export type ClassifiedInput =
  | { kind: 'remote'; url: string }
  | { kind: 'path'; path: string }
  | { kind: 'bytes'; blob: Blob; name: string };

/** A URL DashScope fetches itself. */
const REMOTE_PROTOCOLS = new Set(['http:', 'https:', 'oss:']);
/**
 * Two or more scheme characters then a colon. One letter is excluded on purpose: `C:\face.png` is a
 * Windows path, not a URL.
 */
const SCHEME = /^[a-z][a-z0-9+.-]+:/i;

/**
 * Classifies `input` without touching the disk or the network. A string with a URL scheme other than
 * http, https, oss or file is refused (so `ftp://x` is an error, not a file named `ftp:`); a string
 * without a scheme is a local path.
 */
export function classifyInput(input: MediaInput, field: string): ClassifiedInput | ValidationIssue {
  if (input instanceof URL) return classifyUrl(input, field);
  if (typeof input === 'string') {
    if (!SCHEME.test(input)) {
      if (input.trim() === '') return { path: field, message: 'must be a URL or a file path; got ""' };
      return { kind: 'path', path: input };
    }
    if (!URL.canParse(input)) return badUrl(input, field);
    const url = new URL(input);
    // Keep the caller's exact string for remote URLs: re-serialising could re-encode a signed query.
    return url.protocol === 'file:'
      ? classifyUrl(url, field)
      : REMOTE_PROTOCOLS.has(url.protocol)
        ? { kind: 'remote', url: input }
        : badUrl(input, field);
  }
  if (input instanceof Uint8Array) return { kind: 'bytes', blob: new Blob([input]), name: 'media' };
  if (input instanceof Blob) return { kind: 'bytes', blob: input, name: blobName(input) };
  return {
    path: field,
    message: `must be a URL, a file path, a Buffer, a Uint8Array or a Blob; got ${typeof input}`,
  };
}

function classifyUrl(url: URL, field: string): ClassifiedInput | ValidationIssue {
  if (url.protocol === 'file:') return { kind: 'path', path: fileURLToPath(url) };
  if (REMOTE_PROTOCOLS.has(url.protocol)) return { kind: 'remote', url: url.toString() };
  return badUrl(url.toString(), field);
}

function badUrl(input: string, field: string): ValidationIssue {
  const shown = input.length > 80 ? `${input.slice(0, 80)}…` : input;
  return {
    path: field,
    message: `must be an http:, https: or oss: URL, a file: URL or a local path; got ${JSON.stringify(shown)}`,
  };
}

/** `File` has a name; a plain Blob or bytes are called `media` in the upload key. */
function blobName(blob: Blob): string {
  const name = (blob as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? basename(name) : 'media';
}

/** A local input, opened: a Blob (backed by the file for paths, so nothing is read yet) and a name. */
export interface LocalFile {
  blob: Blob;
  name: string;
}

/**
 * Opens a path as a file-backed Blob (`fs.openAsBlob`): reads of a slice touch only that slice, and
 * an upload streams from disk. A missing or unreadable file is an issue, reported with the others.
 */
export async function openLocal(
  input: Exclude<ClassifiedInput, { kind: 'remote' }>,
  field: string,
): Promise<LocalFile | ValidationIssue> {
  if (input.kind === 'bytes') return { blob: input.blob, name: input.name };
  const cannot = (why: string): ValidationIssue => ({
    path: field,
    message: `cannot be read from ${JSON.stringify(input.path)}: ${why}`,
  });
  try {
    // stat first: openAsBlob throws one vague error for every failure, stat says which.
    const info = await stat(input.path);
    if (!info.isFile()) return cannot('not a regular file');
    return { blob: await openAsBlob(input.path), name: basename(input.path) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return cannot(code === 'ENOENT' ? 'no such file' : String(code ?? error));
  }
}

/** Whether a classification result is a problem rather than an input. */
export function isIssue(value: object): value is ValidationIssue {
  return 'message' in value && !('kind' in value);
}
