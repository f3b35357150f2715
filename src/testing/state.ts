/**
 * The emulator's state and control surface: options, accounts, tasks, rate limits, image-check
 * scripts, faults and the request log. It knows nothing of HTTP; routes.ts reads and changes it.
 */
import { type ApiKeyEntry, ApiKeyRegistry } from './accounts.js';
import type { Now } from './clock.js';
import { FaultController } from './faults.js';
import { type EmulatorStats, type LogEntry, RequestLog } from './log.js';
import { type RateLimit, type TakeResult, TokenBuckets } from './rate-limit.js';
import type { RouteName } from './route-names.js';
import { RuleList } from './rules.js';
import { type TaskInput, TaskStore } from './task-store.js';
import type { TaskOutcome } from './tasks.js';
import { UploadStore } from './uploads.js';

const HOUR_MS = 60 * 60 * 1000;

/** Options shared by {@link createEmulator}, `createDashScopeHandlers` and `startEmulator`. */
export interface EmulatorOptions {
  /** The clock every task state is derived from, epoch ms. Default `Date.now`. */
  now?: Now;
  /** Multiplies task queue and run times: `0.01` makes tasks finish 100× sooner. Default 1. */
  timeScale?: number;
  /** Accepted keys. Default: any key starting with `sk-`, each its own account. */
  apiKeys?: readonly ApiKeyEntry[];
  /** Time a task stays PENDING, ms. Default 4000. */
  queueMs?: number | ((input: TaskInput) => number);
  /** Time a task stays RUNNING, ms. Default `4000 + 2000 × audioSeconds` (about 14 s for 5 s of speech). */
  runMs?: number | ((input: TaskInput, audioSeconds: number) => number);
  /**
   * The audio's length, seconds, for a task's run time and `usage.video_duration`. The emulator does
   * not download the audio: by default it reads a `duration=<seconds>` query parameter of the audio
   * URL, else assumes 5 s.
   */
  audioSeconds?: (audioUrl: string) => number;
  /** How long a task can be queried after submission before it reads `UNKNOWN`. Default 24 h. */
  retentionMs?: number;
  /** How long a result `video_url` works after the task ends. Default 24 h. */
  resultUrlTtlMs?: number;
  /**
   * Per-account budgets by route; `false` turns one off. Defaults: `query` 20/s (DashScope's
   * documented limit), `submit` 10/s, `detect` 300/min (5/s, bursts of 300). Others: unlimited.
   */
  rateLimits?: Partial<Record<RouteName, RateLimit | false>>;
  /**
   * The built-in outcome rules: an image URL containing `noface` fails the image check, an audio URL
   * containing `fail` ends the task `FAILED` (`InvalidURL`). Default true.
   */
  builtInRules?: boolean;
  /** Request log entries kept (oldest dropped first). Default 10 000. */
  logLimit?: number;
}

/** A scripted image check answer. */
export interface ImageCheckScript {
  /** Which image URLs it applies to. Default: all. */
  when?: (imageUrl: string) => boolean;
  /** How many checks it answers before it is used up. Default: unlimited. */
  times?: number;
  pass: boolean;
  /** Default: `''` when passing, `No human face detected.` otherwise. */
  message?: string;
}

/** The image check's verdict, as in `output` of its answer. */
export interface ImageCheckResult {
  pass: boolean;
  message: string;
}

const DEFAULT_RATE_LIMITS: Partial<Record<RouteName, RateLimit>> = {
  query: { perSecond: 20 },
  submit: { perSecond: 10 },
  detect: { perSecond: 5, burst: 300 },
};

const NO_FACE = 'No human face detected.';

/** The state and control API of one emulated DashScope. Create it with {@link createEmulator}. */
export class DashScopeEmulator {
  /** The emulator's clock. */
  readonly now: Now;
  /** Accepted API keys; `allow()` and `revoke()` them at any time. */
  readonly apiKeys: ApiKeyRegistry;
  /** Tasks: inspect (`get`, `all`), script future ones (`script`), change existing ones (`update`). */
  readonly tasks: TaskStore;
  /** Faults: `next(n, fault)`, `random({ seed, probability })`, `clear()`. */
  readonly faults = new FaultController();
  /** How long a result URL stays valid after its task ends, ms. */
  readonly resultUrlTtlMs: number;
  /** Temporary storage: the upload policies issued and the files uploaded (`oss://` URLs). */
  readonly uploads: UploadStore;
  readonly #imageChecks = new RuleList<string, ImageCheckResult>();
  readonly #limits = new Map<RouteName, TokenBuckets>();
  readonly #log: RequestLog;
  readonly #builtInRules: boolean;

  constructor(options: EmulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    const timeScale = options.timeScale ?? 1;
    if (!(timeScale > 0)) throw new RangeError(`timeScale must be > 0, got ${timeScale}`);
    this.#builtInRules = options.builtInRules ?? true;
    this.apiKeys = new ApiKeyRegistry(options.apiKeys);
    this.resultUrlTtlMs = options.resultUrlTtlMs ?? 24 * HOUR_MS;
    this.uploads = new UploadStore(this.now);
    this.#log = new RequestLog(options.logLimit ?? 10_000);
    const audioSecondsOf = options.audioSeconds ?? audioSecondsFromUrl;
    const { queueMs = 4000, runMs } = options;
    this.tasks = new TaskStore({
      now: this.now,
      timeScale,
      retentionMs: options.retentionMs ?? 24 * HOUR_MS,
      defaultPlan: (input, scriptedSeconds) => {
        const audioSeconds = scriptedSeconds ?? audioSecondsOf(input.audioUrl);
        return {
          audioSeconds,
          queueMs: typeof queueMs === 'function' ? queueMs(input) : queueMs,
          runMs:
            typeof runMs === 'function' ? runMs(input, audioSeconds) : (runMs ?? 4000 + 2000 * audioSeconds),
          outcome: this.#defaultOutcome(input),
        };
      },
    });
    const limits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
    for (const [route, limit] of Object.entries(limits) as [RouteName, RateLimit | false | undefined][]) {
      if (limit) this.#limits.set(route, new TokenBuckets(limit, this.now));
    }
  }

  /** Totals since start or the last {@link reset}: requests by route and status, tasks created, … */
  get stats(): EmulatorStats {
    // Tasks are never purged (expired ones read UNKNOWN), so the store's size is the count created.
    return { ...this.#log.stats(), tasksCreated: this.tasks.size };
  }

  /** The request log, oldest first (a copy). */
  get log(): LogEntry[] {
    return this.#log.entries();
  }

  /** Scripts the image check's answer for matching image URLs (tried before the built-in rule). */
  scriptImageCheck(script: ImageCheckScript): void {
    const message = script.message ?? (script.pass ? '' : NO_FACE);
    this.#imageChecks.add({ when: script.when, times: script.times, effect: { pass: script.pass, message } });
  }

  /** Back to a fresh start: no tasks, uploads, scripts, faults, log or spent rate budget; initial API keys. */
  reset(): void {
    this.tasks.clear();
    this.uploads.clear();
    this.faults.clear();
    this.#imageChecks.clear();
    this.#log.clear();
    this.apiKeys.reset();
    for (const buckets of this.#limits.values()) buckets.clear();
  }

  /** @internal Takes one request of `route` from `account`'s budget. */
  throttle(route: RouteName, account: string): TakeResult {
    return this.#limits.get(route)?.take(account) ?? { ok: true };
  }

  /** @internal The image check's verdict for `imageUrl`. */
  checkImage(imageUrl: string): ImageCheckResult {
    const scripted = this.#imageChecks.take(imageUrl);
    if (scripted) return scripted;
    if (this.#builtInRules && imageUrl.toLowerCase().includes('noface'))
      return { pass: false, message: NO_FACE };
    return { pass: true, message: '' };
  }

  /** @internal Records a request in the log and counters. */
  record(entry: LogEntry): void {
    this.#log.record(entry);
  }

  #defaultOutcome(input: TaskInput): TaskOutcome {
    if (this.#builtInRules && input.audioUrl.toLowerCase().includes('fail')) {
      return {
        status: 'FAILED',
        code: 'InvalidURL',
        message: 'Failed to download the input audio_url, please check that the URL is publicly accessible.',
      };
    }
    return { status: 'SUCCEEDED' };
  }
}

/** Creates the state and control API of an emulated DashScope, for `createDashScopeHandlers`. */
export function createEmulator(options: EmulatorOptions = {}): DashScopeEmulator {
  return new DashScopeEmulator(options);
}

/** Default audio length: a `duration=<seconds>` query (or hash) parameter of the URL, else 5 s. */
function audioSecondsFromUrl(audioUrl: string): number {
  const match = /[?&#]duration=(\d+(?:\.\d+)?)/.exec(audioUrl);
  const seconds = match ? Number(match[1]) : 5;
  return seconds > 0 ? seconds : 5;
}
