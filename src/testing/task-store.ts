/**
 * The emulator's tasks: creation with a plan (scripted or by default rules), lookup per account,
 * cancelation and listing. Public methods form the `emulator.tasks` control API.
 */
import type { Now } from './clock.js';
import { RuleList } from './rules.js';
import {
  type EmulatedTaskStatus,
  snapshotTask,
  statusAt,
  type TaskOutcome,
  type TaskRecord,
  type TaskSnapshot,
  VIDEO_MODEL,
} from './tasks.js';
import type { ListQuery, SubmitBody } from './validation.js';

/** What a task script sees of a submit, to decide whether it applies. */
export interface TaskInput {
  imageUrl: string;
  audioUrl: string;
  parameters: Readonly<Record<string, unknown>>;
  account: string;
}

/** The plan of a new task; every field left out comes from the emulator's options. */
export interface TaskPlan {
  /** Time PENDING, in emulated ms (before `timeScale`). `Infinity`: queued forever. */
  queueMs?: number;
  /** Time RUNNING, in emulated ms (before `timeScale`). `Infinity`: running forever. */
  runMs?: number;
  /** Audio length, seconds: drives the default run time and `usage.video_duration`. */
  audioSeconds?: number;
  /** How it ends. Default: `SUCCEEDED`. */
  outcome?: TaskOutcome;
}

/**
 * A scripted plan for tasks still to be submitted.
 * @example
 * // the next submit fails after its run
 * emulator.tasks.script({ times: 1, outcome: { status: 'FAILED', code: 'InternalError.Algo', message: 'boom' } })
 * // every task whose audio URL mentions "slow" stays queued until canceled
 * emulator.tasks.script({ when: (t) => t.audioUrl.includes('slow'), queueMs: Infinity })
 */
export interface TaskScript extends TaskPlan {
  /** Which submits it applies to. Default: all. */
  when?: (input: TaskInput) => boolean;
  /** How many submits it applies to before it is used up. Default: unlimited. */
  times?: number;
}

/** The options the store needs from the emulator. */
export interface TaskStoreOptions {
  now: Now;
  timeScale: number;
  retentionMs: number;
  /**
   * Plan of a task where no script says otherwise, before `timeScale`. `audioSeconds` is the
   * scripted audio length, if any, so the default run time can follow it.
   */
  defaultPlan: (input: TaskInput, audioSeconds: number | undefined) => Required<TaskPlan>;
}

/** Why a cancel was refused. */
export type CancelRefusal = 'not-found' | 'not-pending';

/** The tasks of every account. */
export class TaskStore {
  readonly #tasks = new Map<string, TaskRecord>();
  readonly #scripts = new RuleList<TaskInput, TaskPlan>();
  readonly #options: TaskStoreOptions;

  constructor(options: TaskStoreOptions) {
    this.#options = options;
  }

  /** The task with this id as it is now, or `undefined` if it was never created. */
  get(id: string): TaskSnapshot | undefined {
    const task = this.#tasks.get(id);
    return task && snapshotTask(task, this.#options.now(), this.#options.retentionMs);
  }

  /** Every task ever created (expired ones show `UNKNOWN`), oldest first. */
  all(): TaskSnapshot[] {
    const now = this.#options.now();
    return [...this.#tasks.values()].map((task) => snapshotTask(task, now, this.#options.retentionMs));
  }

  /** How long a task can be queried after submission, ms. */
  get retentionMs(): number {
    return this.#options.retentionMs;
  }

  /** How many tasks exist (including expired ones). */
  get size(): number {
    return this.#tasks.size;
  }

  /** Scripts the plan of future tasks; scripts are tried in the order added, before the default rules. */
  script(script: TaskScript): void {
    const { when, times, ...plan } = script;
    this.#scripts.add({ when, times, effect: plan });
  }

  /**
   * Changes the plan of an existing task, e.g. to make a queued task fail. Durations are emulated
   * ms (scaled by `timeScale`) counted from submission, as at creation.
   */
  update(id: string, plan: Omit<TaskPlan, 'audioSeconds'>): TaskSnapshot {
    const task = this.#tasks.get(id);
    if (!task) throw new Error(`no emulated task ${id}`);
    if (plan.queueMs !== undefined) task.queueMs = plan.queueMs * this.#options.timeScale;
    if (plan.runMs !== undefined) task.runMs = plan.runMs * this.#options.timeScale;
    if (plan.outcome !== undefined) task.outcome = plan.outcome;
    return snapshotTask(task, this.#options.now(), this.#options.retentionMs);
  }

  /** Drops all tasks and scripts. */
  clear(): void {
    this.#tasks.clear();
    this.#scripts.clear();
  }

  /** Creates a task for a validated submit (used by the submit route). */
  create(account: string, requestId: string, body: SubmitBody): TaskRecord {
    const input: TaskInput = {
      imageUrl: body.input.image_url,
      audioUrl: body.input.audio_url,
      parameters: body.parameters,
      account,
    };
    const scripted = this.#scripts.take(input) ?? {};
    const defaults = this.#options.defaultPlan(input, scripted.audioSeconds);
    const scale = this.#options.timeScale;
    const task: TaskRecord = {
      id: crypto.randomUUID(),
      account,
      requestId,
      model: VIDEO_MODEL,
      input: { ...body.input },
      parameters: body.parameters,
      submittedAt: this.#options.now(),
      audioSeconds: scripted.audioSeconds ?? defaults.audioSeconds,
      queueMs: (scripted.queueMs ?? defaults.queueMs) * scale,
      runMs: (scripted.runMs ?? defaults.runMs) * scale,
      outcome: scripted.outcome ?? defaults.outcome,
    };
    this.#tasks.set(task.id, task);
    return task;
  }

  /** The task `id` of `account` (any account when `undefined`), with its status now. */
  find(id: string, account?: string): { task: TaskRecord | undefined; status: EmulatedTaskStatus } {
    const task = this.#tasks.get(id);
    if (!task || (account !== undefined && task.account !== account))
      return { task: undefined, status: 'UNKNOWN' };
    return { task, status: statusAt(task, this.#options.now(), this.#options.retentionMs) };
  }

  /** Cancels a PENDING task of `account`. */
  cancel(id: string, account: string): { ok: true } | { ok: false; reason: CancelRefusal } {
    const { task, status } = this.find(id, account);
    if (!task || status === 'UNKNOWN') return { ok: false, reason: 'not-found' };
    if (status !== 'PENDING') return { ok: false, reason: 'not-pending' };
    task.canceledAt = this.#options.now();
    return { ok: true };
  }

  /** The tasks of `account` matching `query`, newest first, and how many match in all. */
  list(account: string, query: ListQuery): { page: TaskRecord[]; total: number } {
    const now = this.#options.now();
    const matching = [...this.#tasks.values()].filter((task) => {
      if (task.account !== account) return false;
      const status = statusAt(task, now, this.#options.retentionMs);
      // Expired tasks are gone for the list, as they are for a query.
      if (status === 'UNKNOWN') return false;
      if (query.status !== undefined && status !== query.status) return false;
      if (query.modelName !== undefined && task.model !== query.modelName) return false;
      if (query.startTime !== undefined && task.submittedAt < query.startTime) return false;
      // end_time has second precision: include the whole second it names.
      if (query.endTime !== undefined && task.submittedAt >= query.endTime + 1000) return false;
      return true;
    });
    matching.reverse();
    const start = (query.pageNo - 1) * query.pageSize;
    return { page: matching.slice(start, start + query.pageSize), total: matching.length };
  }
}
