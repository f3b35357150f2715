/**
 * Which API keys the emulator accepts, and which account each belongs to. Rate limits, task
 * visibility and cancelation are per account, as on DashScope, where all keys of one Alibaba Cloud
 * account share the 20 queries/s budget.
 */

/** An accepted key, optionally grouped with others under one account. */
export type ApiKeyEntry = string | { key: string; account: string };

/**
 * The accepted API keys.
 *
 * Two modes: without an allow-list (the default) every key that starts with `sk-` and has something
 * after it is valid, each its own account — convenient, and it still catches a missing or empty key.
 * With an allow-list (`apiKeys: ['sk-test']`) only the listed keys are valid.
 */
export class ApiKeyRegistry {
  readonly #accounts = new Map<string, string>();
  readonly #revoked = new Set<string>();
  readonly #open: boolean;
  readonly #initial: readonly ApiKeyEntry[] | undefined;

  /** @param keys Allow-list; omit it to accept any `sk-…` key. */
  constructor(keys?: readonly ApiKeyEntry[]) {
    this.#open = keys === undefined;
    this.#initial = keys;
    this.reset();
  }

  /** Accepts `key` (again), as part of `account` (default: an account of its own). */
  allow(key: string, account: string = key): void {
    if (key === '') throw new RangeError('an API key cannot be empty');
    this.#revoked.delete(key);
    this.#accounts.set(key, account);
  }

  /** Rejects `key` from now on with 401 `InvalidApiKey` (also in the open mode). */
  revoke(key: string): void {
    this.#accounts.delete(key);
    this.#revoked.add(key);
  }

  /** The account `key` belongs to, or `undefined` when the key is not accepted. */
  accountOf(key: string): string | undefined {
    if (this.#revoked.has(key)) return undefined;
    const account = this.#accounts.get(key);
    if (account !== undefined) return account;
    return this.#open && /^sk-\S+$/.test(key) ? key : undefined;
  }

  /** Back to the keys given at construction. */
  reset(): void {
    this.#accounts.clear();
    this.#revoked.clear();
    for (const entry of this.#initial ?? []) {
      if (typeof entry === 'string') this.allow(entry);
      else this.allow(entry.key, entry.account);
    }
  }
}

/**
 * The API key of a request: `Authorization: Bearer <key>`. DashScope accepts the scheme in any case.
 * @returns the key, or `undefined` when the header is missing or malformed.
 */
export function bearerKey(authorization: string | null): string | undefined {
  const match = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}
