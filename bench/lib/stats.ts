/** Seeded randomness, percentiles and formatting for the benchmark tables. */

/** The emulator's seeded PRNG: the same seed gives the same jobs on every machine. */
export { seededRandom } from '../../src/testing/random.js';

/** A log-normal sample with the given median and shape σ (Box–Muller on `random`). */
export function logNormal(random: () => number, median: number, sigma: number): number {
  const u = Math.max(random(), 1e-12);
  const v = random();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(sigma * normal);
}

/** The `p` quantile (0–1) of `values`, nearest rank; NaN when empty. */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

/** Median of `values`. */
export const median = (values: readonly number[]) => quantile(values, 0.5);

/** A markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** Seconds with one decimal. */
export const sec = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(1) : '—');

/** Most events in any 1000 ms window of sorted times. */
export function peakRate(times: readonly number[]): number {
  let peak = 0;
  for (let end = 0, start = 0; end < times.length; end++) {
    while ((times[end] as number) - (times[start] as number) >= 1_000) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

/** Detection lag of each task: from its end (the emulator's record) to when the client resolved it, ms. */
export function detectionLags(
  tasks: Iterable<{ id: string; endedAt?: number | undefined }>,
  resolvedAt: ReadonlyMap<string, number>,
): number[] {
  const lags: number[] = [];
  for (const task of tasks) {
    const at = resolvedAt.get(task.id);
    if (at !== undefined && task.endedAt !== undefined) lags.push(at - task.endedAt);
  }
  return lags;
}
