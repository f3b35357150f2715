/**
 * Benchmark 1, detection: N jobs at once against the emulator enforcing 20 task queries/s, once through
 * the SDK and once through each baseline poller, on a scaled clock. Lag is task end (emulator) →
 * promise resolved (client), in emulated time.
 */
import { setMaxListeners } from 'node:events';
import { Agent } from 'undici';
import { createLocalCoordinator, LivePortraitClient } from '../src/index.js';
import { startEmulator } from '../src/testing/index.js';
import { fixedSchedule, officialSchedule, type PollerRun, runBaseline, runOracle } from './baselines.js';
import { emulatorPlan, IMAGE, makeJobs } from './lib/jobs.js';
import { detectionLags, peakRate, quantile, sec, table } from './lib/stats.js';
import { scaledTime } from './lib/time.js';
import { traceRun } from './lib/trace.js';

const API_KEY = 'sk-bench-0123456789';
/** A run stops after this much emulated time; jobs not detected by then count as missed. */
const GIVE_UP_MS = 15 * 60_000;

export interface Poller {
  name: string;
  run(run: PollerRun): Promise<void>;
}

export const POLLERS: readonly Poller[] = [
  { name: 'SDK', run: runSdk },
  { name: 'oracle (the limit)', run: runOracle },
  { name: 'official SDK schedule', run: (run) => runBaseline(officialSchedule, run) },
  { name: 'fixed 0.5 s', run: (run) => runBaseline(fixedSchedule(500), run) },
  { name: 'fixed 5 s', run: (run) => runBaseline(fixedSchedule(5_000), run) },
  { name: 'fixed 15 s', run: (run) => runBaseline(fixedSchedule(15_000), run) },
];

async function runSdk(run: PollerRun): Promise<void> {
  // The same pool size as the baselines' (256 connections), so the submit burst at the start delays
  // every poller's first queries alike.
  const dispatcher = new Agent({ connections: 256, keepAliveTimeout: 30_000 });
  const client = new LivePortraitClient({
    apiKey: run.apiKey,
    baseURL: run.baseURL,
    dispatcher,
    // The budget, sweeps and waits on the scaled clock; submits unpaced, as the emulator's submit
    // limit is off here: this measures detection.
    coordinator: createLocalCoordinator({ time: run.time.sdk, submitsPerSecond: Number.POSITIVE_INFINITY }),
  });
  const giveUp = AbortSignal.timeout(Math.ceil((run.giveUpAt - run.time.now()) / run.time.factor));
  setMaxListeners(run.jobs.length + 10, giveUp); // one signal for all the jobs, as an app would do
  try {
    await Promise.all(
      run.jobs.map(async (job) => {
        const video = await client.generateVideo(IMAGE, job.audioUrl, { timeout: null, signal: giveUp });
        run.onDone(video.taskId);
      }),
    );
  } finally {
    await client.close();
    await dispatcher.close();
  }
}

export interface DetectionResult {
  poller: string;
  n: number;
  /** Task queries + list queries that reached the emulator, 429s included. */
  queries: number;
  lists: number;
  throttled: number;
  /** Most task + list queries in any 1 s of emulated time. */
  peakPerSecond: number;
  lags: number[];
  missed: number;
  wallMs: number;
}

/** One poller over `n` jobs on a fresh emulator. */
export async function detect(poller: Poller, n: number, scale: number, seed = 0): Promise<DetectionResult> {
  const jobs = makeJobs(n, 20_251_226 + seed);
  const time = scaledTime(scale);
  const running = await startEmulator({
    apiKeys: [API_KEY],
    now: time.now,
    ...emulatorPlan(jobs),
    // Submits are not what is measured; the list gets DashScope's query rate (its own bucket here,
    // so the combined rate is checked from the log instead: peakPerSecond).
    rateLimits: { submit: false, list: { perSecond: 20 } },
    logLimit: 5_000_000,
  });
  const resolvedAt = new Map<string, number>();
  const startedAt = time.now();
  const started = performance.now();
  try {
    await poller.run({
      baseURL: running.baseURL,
      apiKey: API_KEY,
      jobs,
      time,
      giveUpAt: time.now() + GIVE_UP_MS,
      onDone: (taskId) => resolvedAt.set(taskId, time.now()),
    });
  } catch (error) {
    // Given up (or failed): the missing jobs are counted below.
    if (process.env.BENCH_DEBUG) console.error(error);
  }
  const wallMs = performance.now() - started;
  const lags = detectionLags(running.tasks.all(), resolvedAt);
  const stats = running.stats;
  const result: DetectionResult = {
    poller: poller.name,
    n,
    queries: (stats.byRoute.query ?? 0) + (stats.byRoute.list ?? 0),
    lists: stats.byRoute.list ?? 0,
    throttled: stats.throttled,
    peakPerSecond: peakRate(
      running.log.filter((e) => e.route === 'query' || e.route === 'list').map((e) => e.at),
    ),
    lags,
    missed: n - lags.length,
    wallMs,
  };
  if (process.env.BENCH_TRACE && n > 1) {
    const ended = [...running.tasks.all()].flatMap((t) =>
      t.endedAt === undefined ? [] : [{ endedAt: t.endedAt, resolvedAt: resolvedAt.get(t.id) }],
    );
    traceRun(poller.name, startedAt, ended, running.log);
  }
  await running.close();
  return result;
}

/** The detection table of one N. */
export function detectionTable(results: readonly DetectionResult[]): string {
  return table(
    [
      'poller',
      'queries (list)',
      '429s',
      'peak q/s',
      'lag p50 s',
      'lag p95 s',
      'lag max s',
      'missed',
      'wall s',
    ],
    results.map((r) => [
      r.poller,
      `${r.queries} (${r.lists})`,
      String(r.throttled),
      String(r.peakPerSecond),
      sec(quantile(r.lags, 0.5)),
      sec(quantile(r.lags, 0.95)),
      sec(Math.max(...r.lags)),
      String(r.missed),
      (r.wallMs / 1000).toFixed(1),
    ]),
  );
}
