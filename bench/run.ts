/**
 * `npm run bench`: the three benchmarks of docs/BENCHMARKS.md against the emulator over loopback,
 * printed as markdown tables with the targets. BENCH_SCALE sets how much faster than real time the
 * detection runs go (default 5); BENCH_ONLY=detection|overhead|footprint runs one part; BENCH_N=500,1000
 * runs detection at those N only; BENCH_QUICK=1 runs only the SDK and the oracle (for trying a change);
 * BENCH_TRACE=1 prints, after each run, the offline oracle and a timeline of ends and queries (lib/trace.ts).
 */
import { cpus } from 'node:os';
import { type DetectionResult, detect, detectionTable, POLLERS } from './detection.js';
import { coldStart, footprint, footprintTable } from './footprint.js';
import { quantile, sec } from './lib/stats.js';
import { overhead, overheadTable } from './overhead.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 5);
const ONLY = process.env.BENCH_ONLY;
const SIZES = process.env.BENCH_N ? process.env.BENCH_N.split(',').map(Number) : [1, 10, 100, 500, 1000];
/** The SDK and the oracle first: the verdict compares them. */
const POLLERS_RUN = process.env.BENCH_QUICK ? POLLERS.slice(0, 2) : POLLERS;
/** N = 1 is too small for a p95: that row merges this many independent single-job runs. */
const SINGLE_TRIALS = 20;

const started = performance.now();
console.log(`# dashscope-liveportrait benchmarks\n`);
console.log(
  `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, detection clock ×${SCALE}\n`,
);

if (!ONLY || ONLY === 'detection') {
  for (const n of SIZES) {
    const results: DetectionResult[] = [];
    for (const poller of POLLERS_RUN)
      results.push(n === 1 ? await singles(poller) : await detect(poller, n, SCALE));
    const what = n === 1 ? `N = 1 (${SINGLE_TRIALS} single-job runs, totals)` : `N = ${n}`;
    console.log(`## Detection, ${what}\n\n${detectionTable(results)}\n`);
    console.log(`${verdict(n, results)}\n`);
  }
}
if (!ONLY || ONLY === 'overhead') {
  console.log(`## Client overhead\n\n${overheadTable(await overhead())}\n`);
}
if (!ONLY || ONLY === 'footprint') {
  const withSignal = await footprint('signal');
  const defaults = await footprint('default');
  console.log(`## Footprint and cold start\n\n${footprintTable(withSignal, defaults, await coldStart())}\n`);
}
console.log(`(benchmarks took ${((performance.now() - started) / 1000).toFixed(0)} s)`);

/** Independent single-job runs at once (each its own emulator and client), merged into one row. */
async function singles(poller: (typeof POLLERS)[number]): Promise<DetectionResult> {
  const runs = await Promise.all(
    Array.from({ length: SINGLE_TRIALS }, (_, trial) => detect(poller, 1, SCALE, trial)),
  );
  return {
    poller: poller.name,
    n: 1,
    queries: sum(runs.map((r) => r.queries)),
    lists: sum(runs.map((r) => r.lists)),
    throttled: sum(runs.map((r) => r.throttled)),
    peakPerSecond: Math.max(...runs.map((r) => r.peakPerSecond)),
    lags: runs.flatMap((r) => r.lags),
    missed: sum(runs.map((r) => r.missed)),
    wallMs: Math.max(...runs.map((r) => r.wallMs)),
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** The targets of issues 7 and 11 for one N, checked. */
function verdict(n: number, results: DetectionResult[]): string {
  const [sdk, oracle, ...baselines] = results as [DetectionResult, DetectionResult, ...DetectionResult[]];
  const p95 = (r: DetectionResult) => quantile(r.lags, 0.95);
  const bound = Math.max(1.3 * p95(oracle), p95(oracle) + 1_500);
  const checks = [`zero 429s: ${sdk.throttled === 0 && sdk.missed === 0 ? 'yes' : 'NO'}`];
  checks.push(
    `p95 ${sec(p95(sdk))} s ≤ max(1.3 × oracle, oracle + 1.5 s) = ${sec(bound)} s: ${p95(sdk) <= bound ? 'yes' : 'NO'}`,
  );
  checks.push(`at most 20 queries in any second: ${sdk.peakPerSecond <= 20 ? 'yes' : 'NO'}`);
  if (n === 1) checks.push(`p95 lag ≤ 1.5 s: ${p95(sdk) <= 1_500 ? 'yes' : 'NO'}`);
  if (n === 1000) {
    checks.push(`p95 lag below every baseline: ${baselines.every((b) => p95(sdk) < p95(b)) ? 'yes' : 'NO'}`);
    const clean = baselines.filter((b) => b.throttled === 0 && b.missed === 0);
    const fewer = clean.every((b) => sdk.queries < b.queries);
    checks.push(
      `fewer queries than every baseline without 429s (${clean.length} such): ${fewer ? 'yes' : 'NO'}`,
    );
  }
  return `SDK targets: ${checks.join('; ')}.`;
}
