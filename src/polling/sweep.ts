/**
 * Bulk detection: one page of the list endpoint tells which of up to 100 tasks have ended, where
 * single queries would need one each. A sweep lists the tasks submitted since the oldest task still
 * waited on: all of them in one page while they fit (every status at once), else only the ended ones
 * (`SUCCEEDED`, `FAILED`, and every few sweeps `CANCELED`), page by page. The scheduler then fetches
 * details (the video URL, the failure's code) only for the waits whose tasks ended.
 */
import type { TaskListItem, TaskListPage, TaskListQuery } from '../endpoints.js';
import { formatListTime } from './estimator.js';

/** One list query; the scheduler takes a token from the budget before each. */
export type ListTasks = (query: TaskListQuery, signal: AbortSignal) => Promise<TaskListPage>;

/** Largest page the list endpoint is known to serve. */
export const LIST_PAGE_SIZE = 100;

/** Stop paging after this many pages of one status: beyond it single polls are cheaper anyway. */
const MAX_PAGES = 50;

/** Reach this far before the oldest submit time: room for clock skew between this host and DashScope. */
export const WINDOW_MARGIN_MS = 60_000;

/** Cancellations are rare and only a user's own action: look for them on every fifth sweep. */
const CANCELED_EVERY = 5;

/** What a sweep needs from the scheduler. */
export interface SweepHost {
  /** Resolves when a list query may be sent (takes a token); rejects when `signal` aborts. */
  token(signal: AbortSignal): Promise<void>;
  /** Wall-clock epoch ms of the oldest submit among waits the sweep covers; undefined when none. */
  oldestSubmit(): number | undefined;
  /** How many waits the sweep covers. */
  covered(): number;
  /** A listed task has ended. */
  ended(item: TaskListItem): void;
}

/** Runs sweeps; remembers how many it ran and what the last one cost. */
export class ListSweeper {
  readonly #list: ListTasks;
  #count = 0;
  /** The last unfiltered listing needed more than one page: list only ended tasks until few remain. */
  #overflowed = false;

  constructor(list: ListTasks) {
    this.#list = list;
  }

  /**
   * One sweep: one page of every status while the covered tasks fit on it, else every page of each
   * ended status. Resolves with the number of queries it sent; rejects
   * with the first failure (the scheduler decides whether the list endpoint is usable).
   */
  async run(host: SweepHost, signal: AbortSignal): Promise<number> {
    const sweep = this.#count++;
    // Other tasks of the account share the window, so "fits" is learned from the answer, not assumed.
    if (host.covered() <= LIST_PAGE_SIZE / 2 && !this.#overflowed) {
      const pages = await this.#listAll(host, undefined, signal, 1);
      this.#overflowed = pages.total > 1;
      return pages.queries;
    }
    if (host.covered() <= LIST_PAGE_SIZE / 4) this.#overflowed = false;
    const statuses = ['SUCCEEDED', 'FAILED'];
    if (sweep % CANCELED_EVERY === 0) statuses.push('CANCELED');
    let queries = 0;
    for (const status of statuses) queries += (await this.#listAll(host, status, signal, MAX_PAGES)).queries;
    return queries;
  }

  /** Lists up to `maxPages` pages of `status` (every status when undefined). */
  async #listAll(
    host: SweepHost,
    status: string | undefined,
    signal: AbortSignal,
    maxPages: number,
  ): Promise<{ queries: number; total: number }> {
    let queries = 0;
    let total = 1;
    for (let pageNo = 1; pageNo <= maxPages; pageNo++) {
      const oldest = host.oldestSubmit();
      if (oldest === undefined) break;
      await host.token(signal);
      const startTime = formatListTime(oldest - WINDOW_MARGIN_MS);
      const page = await this.#list({ status, startTime, pageNo, pageSize: LIST_PAGE_SIZE }, signal);
      queries++;
      total = page.totalPages;
      for (const item of page.items) host.ended(item);
      if (pageNo >= page.totalPages || page.items.length < LIST_PAGE_SIZE) break;
    }
    return { queries, total };
  }
}
