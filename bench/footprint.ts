/**
 * Benchmark 3, footprint: heap per waiting job and event-loop delay with 1,000 concurrent waits (the
 * SDK in a child process, the emulator here, enforcing 20 queries/s; tasks never end), and cold start:
 * `import` of the built package plus one request, against bare node making the same request.
 */
import { startEmulator } from '../src/testing/index.js';
import { benchFile, cannedServer, timedNode } from './lib/processes.js';
import { median, table } from './lib/stats.js';

const DIST = benchFile('../dist/index.js');
const API_KEY = 'sk-bench-footprint';

/** `signal`: one caller signal shared by every wait and `timeout: null`; `default`: no options. */
export type FootprintOptions = 'signal' | 'default';

export interface FootprintResult {
  jobs: number;
  options: FootprintOptions;
  bytesPerWait: number;
  loopP99Ms: number;
  loopMaxMs: number;
  queries: number;
  throttled: number;
}

export async function footprint(
  options: FootprintOptions = 'signal',
  jobs = 1_000,
  settleMs = 20_000,
): Promise<FootprintResult> {
  const running = await startEmulator({
    apiKeys: [API_KEY],
    queueMs: Number.POSITIVE_INFINITY,
    rateLimits: { submit: false, list: { perSecond: 20 } },
  });
  try {
    const { stdout } = await timedNode(['--expose-gc', benchFile('lib/footprint-child.mjs')], {
      DIST,
      BASE_URL: running.baseURL,
      API_KEY,
      JOBS: String(jobs),
      SETTLE_MS: String(settleMs),
      WAIT_OPTIONS: options,
    });
    const stats = running.stats;
    return {
      jobs,
      options,
      ...(JSON.parse(stdout) as Pick<FootprintResult, 'bytesPerWait' | 'loopP99Ms' | 'loopMaxMs'>),
      queries: (stats.byRoute.query ?? 0) + (stats.byRoute.list ?? 0),
      throttled: stats.throttled,
    };
  } finally {
    await running.close();
  }
}

export interface ColdStartResult {
  sdkMs: number;
  bareMs: number;
  runs: number;
}

export async function coldStart(runs = 15): Promise<ColdStartResult> {
  const server = await cannedServer();
  const env = { DIST, BASE_URL: server.baseURL };
  const sdk: number[] = [];
  const bare: number[] = [];
  try {
    for (let i = 0; i < runs + 1; i++) {
      const a = await timedNode([benchFile('lib/cold-sdk.mjs')], env);
      const b = await timedNode([benchFile('lib/cold-bare.mjs')], env);
      if (i === 0) continue; // the first pair warms the file cache
      sdk.push(a.ms);
      bare.push(b.ms);
    }
  } finally {
    server.stop();
  }
  return { sdkMs: median(sdk), bareMs: median(bare), runs };
}

export function footprintTable(f: FootprintResult, d: FootprintResult, c: ColdStartResult): string {
  return table(
    ['measure', 'result', 'target'],
    [
      [
        `heap per waiting job (${f.jobs} waits, one signal, no deadline)`,
        `${(f.bytesPerWait / 1024).toFixed(2)} KB`,
        '≤ 8 KB',
      ],
      [
        `heap per waiting job (${d.jobs} waits, default options)`,
        `${(d.bytesPerWait / 1024).toFixed(2)} KB`,
        '≤ 8 KB',
      ],
      [
        'event-loop delay p99 (max) during the waits',
        `${f.loopP99Ms.toFixed(1)} ms (${f.loopMaxMs.toFixed(1)} ms)`,
        '< 10 ms',
      ],
      ['queries (429s) during the waits', `${f.queries} (${f.throttled})`, '0 × 429'],
      [
        `cold start: import + 1 getTask, median of ${c.runs}`,
        `${c.sdkMs.toFixed(0)} ms vs bare node + fetch ${c.bareMs.toFixed(0)} ms = ${(c.sdkMs / c.bareMs).toFixed(2)}×`,
        'reported',
      ],
    ],
  );
}
