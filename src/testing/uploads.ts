/**
 * DashScope's temporary file storage, emulated: `GET /uploads?action=getPolicy` hands out a signed
 * POST policy, `POST {origin}/oss-upload` plays the OSS bucket (multipart form, fields in OSS's order,
 * the file last), and the stored files make `oss://` URLs resolvable for the account that uploaded
 * them, for 48 hours. Files are kept in memory.
 */
import type { Now } from './clock.js';

/** A file in the emulated bucket. */
export interface StoredUpload {
  /** The object key; the file's URL is `oss://{key}`. */
  key: string;
  account: string;
  bytes: Uint8Array;
  /** `x-oss-content-type` as sent. */
  contentType: string;
  uploadedAt: number;
}

interface IssuedPolicy {
  account: string;
  dir: string;
  expiresAt: number;
}

/** How long a policy may be used. (uncertain) The real value is not documented; 5 minutes here. */
export const POLICY_TTL_MS = 5 * 60 * 1000;
/** How long an uploaded file lives: 48 hours, as documented. */
export const UPLOAD_TTL_MS = 48 * 60 * 60 * 1000;
const ACCESS_KEY_ID = 'LTAI5tLivePortraitUploads';
/** Fields OSS requires before `file`, in the order the official SDKs send them. */
const REQUIRED_FIELDS = ['OSSAccessKeyId', 'Signature', 'policy', 'key', 'success_action_status'];

/** The emulated bucket: policies handed out and files stored. */
export class UploadStore {
  readonly #now: Now;
  readonly #policies = new Map<string, IssuedPolicy>();
  readonly #files = new Map<string, StoredUpload>();

  constructor(now: Now) {
    this.#now = now;
  }

  /** A new policy for `account`, as `data` of the getPolicy answer. */
  issuePolicy(account: string, uploadHost: string): Record<string, unknown> {
    const now = this.#now();
    const signature = crypto.randomUUID().replace(/-/g, '');
    const dir = `dashscope-instant/${signature.slice(0, 16)}/${new Date(now).toISOString().slice(0, 10)}`;
    const expiresAt = now + POLICY_TTL_MS;
    this.#policies.set(signature, { account, dir, expiresAt });
    const document = {
      expiration: new Date(expiresAt).toISOString(),
      conditions: [['starts-with', '$key', dir]],
    };
    return {
      policy: btoa(JSON.stringify(document)),
      signature,
      upload_dir: dir,
      upload_host: uploadHost,
      expire_in_seconds: POLICY_TTL_MS / 1000,
      max_file_size_mb: 100,
      capacity_limit_mb: 999_999_999,
      oss_access_key_id: ACCESS_KEY_ID,
      x_oss_object_acl: 'private',
      x_oss_forbid_overwrite: 'true',
    };
  }

  /** Stores the file of a form POST, or says why OSS would refuse it. */
  async accept(
    form: FormData,
  ): Promise<{ ok: true } | { ok: false; status: number; code: string; message: string }> {
    const names = [...form.keys()];
    const missing = REQUIRED_FIELDS.filter((name) => !form.has(name));
    if (missing.length > 0 || names.at(-1) !== 'file') {
      const message =
        missing.length > 0
          ? `Missing form fields: ${missing.join(', ')}.`
          : 'The file must be the last field.';
      return { ok: false, status: 400, code: 'InvalidArgument', message };
    }
    const issued = this.#policies.get(String(form.get('Signature')));
    if (!issued || form.get('OSSAccessKeyId') !== ACCESS_KEY_ID) {
      return {
        ok: false,
        status: 403,
        code: 'SignatureDoesNotMatch',
        message: 'The signature does not match.',
      };
    }
    if (this.#now() > issued.expiresAt) {
      return {
        ok: false,
        status: 403,
        code: 'AccessDenied',
        message: 'Invalid according to Policy: Policy expired.',
      };
    }
    const key = String(form.get('key'));
    if (!key.startsWith(`${issued.dir}/`)) {
      return {
        ok: false,
        status: 403,
        code: 'AccessDenied',
        message: 'Invalid according to Policy: Policy Condition failed.',
      };
    }
    if (form.get('x-oss-forbid-overwrite') === 'true' && this.get(key)) {
      return {
        ok: false,
        status: 409,
        code: 'FileAlreadyExists',
        message: 'The object you specified already exists.',
      };
    }
    const file = form.get('file');
    if (!(file instanceof Blob))
      return { ok: false, status: 400, code: 'InvalidArgument', message: 'No file.' };
    this.#files.set(key, {
      key,
      account: issued.account,
      bytes: new Uint8Array(await file.arrayBuffer()),
      contentType: String(form.get('x-oss-content-type') ?? 'application/octet-stream'),
      uploadedAt: this.#now(),
    });
    return { ok: true };
  }

  /** The live file behind `oss://{key}` (or a bare key), if `account` may use it. */
  get(urlOrKey: string, account?: string): StoredUpload | undefined {
    const file = this.#files.get(urlOrKey.replace(/^oss:\/\//, ''));
    if (!file || this.#now() - file.uploadedAt > UPLOAD_TTL_MS) return undefined;
    return account === undefined || file.account === account ? file : undefined;
  }

  /** Every live file, oldest first. */
  all(): StoredUpload[] {
    return [...this.#files.values()].filter((file) => this.get(file.key));
  }

  /** Forgets every policy and file. */
  clear(): void {
    this.#policies.clear();
    this.#files.clear();
  }
}
