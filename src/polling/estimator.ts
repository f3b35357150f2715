/**
 * What this client has learned about how long jobs take: queue and run times of the tasks it saw end.
 * A task cannot finish before it has run for about the shortest run time seen, and most finish within
 * the usual run time after they start; the scheduler polls densely only inside that window.
 */

/** Samples kept per series: recent enough to follow a change in load, enough for stable quantiles. */
const SAMPLES = 256;

/** Samples needed before the estimate is trusted over "anything is possible". */
const MIN_SAMPLES = 3;

/** A bounded series of durations with cached quantiles. */
class Series {
  readonly #values: number[] = [];
  #next = 0;
  #sorted: number[] | undefined;

  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    if (this.#values.length < SAMPLES) this.#values.push(ms);
    else this.#values[this.#next] = ms;
    this.#next = (this.#next + 1) % SAMPLES;
    this.#sorted = undefined;
  }

  get count(): number {
    return this.#values.length;
  }

  /** The `p` quantile (0–1), or undefined without enough samples. */
  quantile(p: number): number | undefined {
    if (this.#values.length < MIN_SAMPLES) return undefined;
    this.#sorted ??= [...this.#values].sort((a, b) => a - b);
    const index = Math.min(this.#sorted.length - 1, Math.max(0, Math.floor(p * this.#sorted.length)));
    return this.#sorted[index];
  }
}

/** The window where a running task is likely to end, relative to when it started running. */
export interface RunWindow {
  /** It will not end sooner than this after it started (shortest run seen, with a margin). */
  earliestMs: number;
  /** Almost all runs seen ended by this time; beyond it the task is in the long tail. */
  latestMs: number;
}

/** Queue and run times seen by one client. */
export class DurationEstimator {
  readonly #queue = new Series();
  readonly #run = new Series();

  /** Records one ended task's times (any may be missing). */
  observe(times: { submittedAt?: number; startedAt?: number; endedAt?: number }): void {
    const { submittedAt, startedAt, endedAt } = times;
    if (submittedAt !== undefined && startedAt !== undefined) this.#queue.add(startedAt - submittedAt);
    if (startedAt !== undefined && endedAt !== undefined) this.#run.add(endedAt - startedAt);
  }

  /** Tasks whose run time has been learned. */
  get samples(): number {
    return this.#run.count;
  }

  /**
   * The likely run window. Before anything is learned: from 0 to forever, i.e. poll densely from the
   * start, which is what a first job needs to be detected quickly.
   */
  runWindow(): RunWindow {
    const low = this.#run.quantile(0.02);
    const high = this.#run.quantile(0.98);
    if (low === undefined || high === undefined) return { earliestMs: 0, latestMs: Number.POSITIVE_INFINITY };
    // 80% of the shortest run: a margin for a job a little faster than any seen so far.
    return { earliestMs: low * 0.8, latestMs: high * 1.5 };
  }
}

/**
 * Epoch ms of a DashScope task time, `2025-12-26 11:33:03.146`, read as Beijing time (UTC+8), or
 * undefined when it does not look like one. Differences between two such times do not depend on the
 * zone, which is all the estimator uses them for.
 */
export function parseTaskTime(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  const ms = Number((match[7] ?? '0').padEnd(3, '0'));
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second, ms) - BEIJING_OFFSET_MS;
}

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/** The list endpoint's `start_time` format, `yyyyMMddHHmmss` in Beijing time, for epoch ms. */
export function formatListTime(epochMs: number): string {
  return new Date(epochMs + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}
