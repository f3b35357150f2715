/**
 * Uploading local files to DashScope's temporary storage (model document §5): a signed POST policy
 * from `GET /uploads?action=getPolicy`, then a multipart form POST straight to OSS, then the file is
 * `oss://{key}`. Files live 48 hours, belong to the account and the model, and DashScope meant this
 * storage for development and testing; production apps should host media themselves.
 */
import { randomUUID } from 'node:crypto';
import { FormData } from 'undici';
import * as endpoints from '../endpoints.js';
import { errorFromAnswer } from '../error-mapping.js';
import { APIError } from '../errors.js';
import { abortError } from '../internal/http.js';
import { withRetries } from '../retry.js';
import type { UploadPolicyWire } from '../schemas.js';
import type { Transport } from '../transport.js';
import { connectionFailure, type MediaDeps, mediaRequest } from './http.js';

/** The model files are uploaded for: DashScope binds each file to one model. */
const MODEL = 'liveportrait';
/** A policy is not used in its last 30 s: an upload started then could arrive after it expired. */
const EXPIRY_MARGIN_MS = 30_000;
/** When DashScope says nothing about a policy's lifetime, reuse it this long at most. */
const DEFAULT_POLICY_LIFETIME_MS = 60_000;

/** MIME types sent as `x-oss-content-type`, by the format measured from the bytes. */
const CONTENT_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  bmp: 'image/bmp',
  webp: 'image/webp',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
};
const EXTENSIONS: Record<string, string> = { jpeg: 'jpg' };

/** A file to upload: its bytes (a file-backed Blob streams from disk), a name and its real format. */
export interface UploadFile {
  blob: Blob;
  name: string;
  /** Format measured from the bytes (`png`, `mp3`, …): sets the content type and the key's extension. */
  format: string;
}

interface CachedPolicy {
  policy: UploadPolicyWire;
  usableUntil: number;
}

/**
 * Uploads files, reusing one policy while it is valid. A policy's lifetime is the shorter of
 * `expire_in_seconds` and the `expiration` inside the policy document; without either, 60 s.
 */
export class Uploader {
  readonly #transport: Transport;
  readonly #deps: MediaDeps;
  readonly #now: () => number;
  #cached: Promise<CachedPolicy> | undefined;

  constructor(transport: Transport, deps: MediaDeps, now: () => number = Date.now) {
    this.#transport = transport;
    this.#deps = deps;
    this.#now = now;
  }

  /** Uploads `file` and returns its `oss://` URL. Retries transient failures; refreshes an expired policy. */
  async upload(file: UploadFile, signal?: AbortSignal): Promise<string> {
    const attempt = async () => {
      const cached = this.#cached;
      const entry = await this.#policy(signal);
      try {
        return await this.#post(entry.policy, file, signal);
      } catch (error) {
        // A reused policy can be refused before our clock says it expired (clock skew, revocation):
        // fetch a fresh one once. A fresh policy refused is a real error.
        if (!(error instanceof APIError && error.status === 403) || cached === undefined) throw error;
        if (this.#cached === cached) this.#cached = undefined;
        return await this.#post((await this.#policy(signal)).policy, file, signal);
      }
    };
    try {
      return await withRetries(attempt, {
        ...this.#deps,
        policy: 'idempotent',
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      throw error;
    }
  }

  #policy(signal: AbortSignal | undefined): Promise<CachedPolicy> {
    const cached = this.#cached;
    if (cached) {
      return cached.then((entry) => (entry.usableUntil > this.#now() ? entry : this.#fetchPolicy(signal)));
    }
    return this.#fetchPolicy(signal);
  }

  #fetchPolicy(signal: AbortSignal | undefined): Promise<CachedPolicy> {
    const fetchedAt = this.#now();
    const pending = endpoints.getUploadPolicy(this.#transport, MODEL, signal).then((policy) => ({
      policy,
      usableUntil: policyExpiry(policy, fetchedAt) - EXPIRY_MARGIN_MS,
    }));
    // Concurrent uploads share one getPolicy call; a failed call is not cached.
    this.#cached = pending;
    pending.catch(() => {
      if (this.#cached === pending) this.#cached = undefined;
    });
    return pending;
  }

  /** One form POST under a new unique key; resolves with the file's `oss://` URL. */
  async #post(policy: UploadPolicyWire, file: UploadFile, signal: AbortSignal | undefined): Promise<string> {
    // A unique key per attempt: the policy forbids overwriting (x-oss-forbid-overwrite), so two files
    // called face.png, or a retry after a lost answer, must not collide.
    const key = `${policy.upload_dir.replace(/\/+$/, '')}/${uniqueName(file)}`;
    const form = new FormData();
    // OSS reads the form in order and ignores fields after `file`: every field first, the file last.
    form.append('OSSAccessKeyId', policy.oss_access_key_id);
    form.append('Signature', policy.signature);
    form.append('policy', policy.policy);
    form.append('key', key);
    if (policy.x_oss_object_acl) form.append('x-oss-object-acl', policy.x_oss_object_acl);
    if (policy.x_oss_forbid_overwrite) form.append('x-oss-forbid-overwrite', policy.x_oss_forbid_overwrite);
    form.append('success_action_status', '200');
    form.append('x-oss-content-type', CONTENT_TYPES[file.format] ?? 'application/octet-stream');
    // A Blob part is streamed by undici: a file-backed Blob is never read into memory whole.
    form.append('file', file.blob, key.slice(key.lastIndexOf('/') + 1));

    // The upload host is OSS, not DashScope: mediaRequest sends no Authorization header.
    const response = await mediaRequest(this.#deps, policy.upload_host, {
      method: 'POST',
      body: form,
      signal,
    });
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw connectionFailure(error, policy.upload_host, signal);
    }
    if (response.status >= 200 && response.status < 300) return `oss://${key}`;
    throw errorFromAnswer({
      status: response.status,
      json: ossErrorBody(text),
      text,
      retryAfterMs: undefined,
    });
  }
}

/** When a policy stops being valid, epoch ms. */
export function policyExpiry(policy: UploadPolicyWire, fetchedAt: number): number {
  const candidates: number[] = [];
  if (policy.expire_in_seconds !== undefined) candidates.push(fetchedAt + policy.expire_in_seconds * 1000);
  const documented = expirationInPolicy(policy.policy);
  if (documented !== undefined) candidates.push(documented);
  return candidates.length > 0 ? Math.min(...candidates) : fetchedAt + DEFAULT_POLICY_LIFETIME_MS;
}

/** The `expiration` of an OSS POST policy (base64 JSON, `{"expiration":"2025-01-01T12:00:00.000Z",…}`). */
function expirationInPolicy(encoded: string): number | undefined {
  try {
    const document: unknown = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    const expiration = (document as { expiration?: unknown }).expiration;
    const time = typeof expiration === 'string' ? Date.parse(expiration) : Number.NaN;
    return Number.isNaN(time) ? undefined : time;
  } catch {
    return undefined;
  }
}

/** `1f2e3d4c-face.png`: a random prefix, a readable stem, and the extension of the real format. */
function uniqueName(file: UploadFile): string {
  const stem =
    file.name
      .replace(/\.[^.]*$/, '')
      .replace(/[^A-Za-z0-9_-]+/g, '_')
      .slice(0, 60) || 'media';
  const extension = EXTENSIONS[file.format] ?? file.format;
  return `${randomUUID()}-${stem}.${extension}`;
}

/** OSS answers errors in XML (`<Error><Code>AccessDenied</Code><Message>…`); take code and message. */
function ossErrorBody(text: string): { code: string; message: string } | undefined {
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  if (!code) return undefined;
  return { code: `OSS.${code}`, message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '' };
}
