/**
 * BENCH_TRACE=1: what a detection run's lag is made of, printed after each poller's run. The offline
 * oracle replays the run's own end times through one FIFO line of detail queries at a fixed rate (the
 * floor at that rate, without any cost of finding the ends); the timeline counts, per 2 emulated
 * seconds, the ends, the detail and list queries that reached the emulator, and the mean lag of the
 * tasks that ended then.
 */
import type { LogEntry } from '../../src/testing/index.js';
import { quantile, sec } from './stats.js';

interface Ended {
  endedAt: number;
  resolvedAt: number | undefined;
}

/** p50 / p95 lag of a FIFO of one detail query per end at `perSecond`, over the given end times. */
export function offlineOracle(endTimes: readonly number[], perSecond: number): { p50: number; p95: number } {
  let last = Number.NEGATIVE_INFINITY;
  const lags = [...endTimes]
    .sort((a, b) => a - b)
    .map((end) => {
      last = Math.max(end, last + 1_000 / perSecond);
      return last - end;
    });
  return { p50: quantile(lags, 0.5), p95: quantile(lags, 0.95) };
}

export function traceRun(
  poller: string,
  startedAt: number,
  ended: readonly Ended[],
  log: readonly LogEntry[],
) {
  const lines = [`trace of ${poller}, N = ${ended.length}:`];
  for (const rate of [18, 19, 20]) {
    const { p50, p95 } = offlineOracle(
      ended.map((t) => t.endedAt),
      rate,
    );
    lines.push(`  offline oracle at ${rate}/s: lag p50 ${sec(p50)} s, p95 ${sec(p95)} s`);
  }
  const slot = (at: number) => Math.floor((at - startedAt) / 2_000) * 2;
  const rows = new Map<number, { ends: number; lagSum: number; queries: number; lists: number }>();
  const row = (at: number) => {
    const key = slot(at);
    const r = rows.get(key) ?? { ends: 0, lagSum: 0, queries: 0, lists: 0 };
    rows.set(key, r);
    return r;
  };
  for (const t of ended) {
    const r = row(t.endedAt);
    r.ends++;
    r.lagSum += (t.resolvedAt ?? Number.NaN) - t.endedAt;
  }
  for (const e of log) {
    if (e.route === 'query') row(e.at).queries++;
    else if (e.route === 'list') row(e.at).lists++;
  }
  lines.push('  s    ends  queries  lists  mean lag of these ends, s');
  for (const [key, r] of [...rows].sort(([a], [b]) => a - b)) {
    const lag = r.ends > 0 ? sec(r.lagSum / r.ends) : '';
    lines.push(
      `  ${String(key).padEnd(5)}${String(r.ends).padEnd(6)}${String(r.queries).padEnd(9)}${String(r.lists).padEnd(7)}${lag}`,
    );
  }
  console.error(lines.join('\n'));
}
