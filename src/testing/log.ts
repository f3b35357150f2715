/**
 * The request log and counters, for assertions ("exactly one submit reached the server") and for
 * benchmarks (latency per route). Counters are kept apart from the log so a bounded log can drop its
 * oldest entries in a long soak run without the totals going wrong.
 */
import type { FaultKind } from './faults.js';
import type { RouteName } from './route-names.js';

/** One request as the emulator saw it. */
export interface LogEntry {
  /** Route it matched, or `unmatched`. */
  route: RouteName | 'unmatched';
  method: string;
  /** URL path with query string. */
  path: string;
  /** HTTP status answered; 0 when no answer was sent (reset, hang). */
  status: number;
  /** DashScope error code of the answer, if it was an error. */
  code?: string;
  /** Fault injected, if any. */
  fault?: FaultKind;
  /** Time spent in the emulator, real milliseconds (not the emulator's clock). */
  latencyMs: number;
  /** When the request arrived, on the emulator's clock (epoch ms). */
  at: number;
}

/** Totals since start (or the last reset). */
export interface EmulatorStats {
  /** Requests received, answered or not. */
  requests: number;
  /** Requests per route. */
  byRoute: Partial<Record<RouteName | 'unmatched', number>>;
  /** Requests per HTTP status answered (`0`: reset or hung). */
  byStatus: Record<number, number>;
  /** Video tasks created (including ones whose submit answer was lost to a `reset-after-body`). */
  tasksCreated: number;
  /** Requests answered 429 by the emulator's own rate limits (not by injected faults). */
  throttled: number;
  /** Faults injected. */
  faultsInjected: number;
}

/** Request log plus counters. */
export class RequestLog {
  readonly #entries: LogEntry[] = [];
  readonly #limit: number;
  #stats: Omit<EmulatorStats, 'tasksCreated'> = emptyStats();

  /** @param limit How many entries to keep; older ones are dropped first. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Records one finished (or abandoned) request. */
  record(entry: LogEntry): void {
    const stats = this.#stats;
    stats.requests += 1;
    stats.byRoute[entry.route] = (stats.byRoute[entry.route] ?? 0) + 1;
    stats.byStatus[entry.status] = (stats.byStatus[entry.status] ?? 0) + 1;
    if (entry.fault) stats.faultsInjected += 1;
    else if (entry.status === 429) stats.throttled += 1;
    this.#entries.push(entry);
    if (this.#entries.length > this.#limit) this.#entries.splice(0, this.#entries.length - this.#limit);
  }

  /** The kept entries, oldest first (a copy). */
  entries(): LogEntry[] {
    return [...this.#entries];
  }

  /** A copy of the counters. */
  stats(): Omit<EmulatorStats, 'tasksCreated'> {
    const stats = this.#stats;
    return { ...stats, byRoute: { ...stats.byRoute }, byStatus: { ...stats.byStatus } };
  }

  /** Forgets all entries and zeroes the counters. */
  clear(): void {
    this.#entries.length = 0;
    this.#stats = emptyStats();
  }
}

function emptyStats(): Omit<EmulatorStats, 'tasksCreated'> {
  return { requests: 0, byRoute: {}, byStatus: {}, throttled: 0, faultsInjected: 0 };
}
