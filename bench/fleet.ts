/**
 * `npm run bench:fleet`: one emulated account (20 task queries/s, the detection bench's job mix) and a
 * fleet of node processes on one scaled clock, in two shapes — 4 workers × 250 jobs, and 40 processes
 * × 5 jobs (serverless-like) — each run four ways: one process running all the jobs (the reference),
 * each process on its own budget (what a fleet gets without coordination), the fleet through Redis,
 * and the fleet through Redis with redis-server killed for 5 s mid-run. BENCH_SCALE sets how much
 * faster than real time the clock runs (default 2: more would magnify this machine's scheduling delays
 * into 429s that real time would not see); BENCH_FLEET_ONLY=4x250 or 40x5 runs one shape, and
 * BENCH_RUNS (a comma-separated subset of single, own, redis, killed) only those rows of it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { startEmulator } from '../src/testing/index.js';
import { startRedisServer } from '../test/redis/server.js';
import type { FleetProcessConfig } from './lib/fleet-process.js';
import { emulatorPlan, makeJobs } from './lib/jobs.js';
import { benchFile } from './lib/processes.js';
import { detectionLags, peakRate, quantile, sec, table } from './lib/stats.js';
import { scaledTime } from './lib/time.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 2);
/** BENCH_FLEET_ONLY=4x250 or 40x5 runs one shape. */
const SHAPES = (
  [
    [4, 250],
    [40, 5],
  ] as const
).filter(([p, j]) => !process.env.BENCH_FLEET_ONLY || process.env.BENCH_FLEET_ONLY === `${p}x${j}`);
const API_KEY = 'sk-bench-0123456789';
const LIMIT = 20;
/** Redis is killed once half the jobs are submitted (mid-run, whenever the processes got going), for this long (real ms). */
const KILLED_FOR_MS = 5_000;
const GIVE_UP_MS = 15 * 60_000;

type Mode = 'single' | 'own' | 'redis' | 'redis-killed';
const MODES: Record<Mode, string> = {
  single: 'one process, all jobs',
  own: 'each process its own budget',
  redis: 'fleet through Redis',
  'redis-killed': `through Redis, Redis killed ${KILLED_FOR_MS / 1000} s`,
};
/** BENCH_RUNS=single,redis (names: single, own, redis, killed) runs only those rows: CPU is scarce. */
const RUNS = (Object.keys(MODES) as Mode[]).filter(
  (mode) =>
    !process.env.BENCH_RUNS ||
    process.env.BENCH_RUNS.split(',').includes(mode === 'redis-killed' ? 'killed' : mode),
);

interface Row {
  mode: Mode;
  queries: number;
  lists: number;
  throttled: number;
  peak: number;
  /** Emulated seconds in which task + list queries together exceeded the limit. */
  overBudgetSec: number;
  lags: number[];
  missed: number;
  duplicates: number;
  /** Processes that warned of a Redis outage (fell back to their local share). */
  fallbacks: number;
  wallMs: number;
}

const redis = await startRedisServer();
let runs = 0;

async function run(processes: number, jobsEach: number, mode: Mode): Promise<Row> {
  const total = processes * jobsEach;
  const jobs = makeJobs(total);
  const origin = performance.timeOrigin + performance.now();
  const time = scaledTime(SCALE, origin);
  const emulator = await startEmulator({
    apiKeys: [API_KEY],
    now: time.now,
    ...emulatorPlan(jobs),
    // As in the detection bench: submits are not measured; the list has DashScope's query rate in
    // its own bucket, so the combined rate is checked from the log (peak, over-budget seconds).
    rateLimits: { submit: false, list: { perSecond: LIMIT } },
    logLimit: 5_000_000,
  });
  const shares =
    mode === 'single'
      ? [jobs]
      : Array.from({ length: processes }, (_, p) => jobs.slice(p * jobsEach, (p + 1) * jobsEach));
  const keyPrefix = `bench${++runs}:`;
  const resolvedAt = new Map<string, number>();
  const warned = new Set<ChildProcess>();
  const started = performance.now();
  const children = shares.map((share) =>
    spawnMember(
      {
        mode: mode === 'single' || mode === 'own' ? 'own' : 'redis',
        baseURL: emulator.baseURL,
        apiKey: API_KEY,
        redisUrl: redis.url,
        keyPrefix,
        origin,
        factor: SCALE,
        audioUrls: share.map((job) => job.audioUrl),
        giveUpMs: GIVE_UP_MS,
      },
      resolvedAt,
      warned,
    ),
  );
  let done = false;
  const exited = Promise.all(children.map((child) => once(child, 'exit'))).then(() => {
    done = true;
  });
  let outage: Promise<void> | undefined;
  /** Emulated ms when Redis was killed and when it was back (BENCH_DEBUG prints the seconds around). */
  const outageAt: number[] = [];
  if (mode === 'redis-killed') {
    outage = (async () => {
      while (!done && emulator.stats.tasksCreated < total / 2)
        await new Promise((resolve) => setTimeout(resolve, 100));
      await redis.kill();
      outageAt.push(time.now());
      await new Promise((resolve) => setTimeout(resolve, KILLED_FOR_MS));
      await redis.restart();
      outageAt.push(time.now());
    })();
  }
  await exited;
  await outage;
  const wallMs = performance.now() - started;
  const lags = detectionLags(emulator.tasks.all(), resolvedAt);
  const stats = emulator.stats;
  const queryTimes = emulator.log.filter((e) => e.route === 'query' || e.route === 'list').map((e) => e.at);
  if (process.env.BENCH_DEBUG && outageAt.length > 0) console.error(outageTrace(queryTimes, outageAt));
  await emulator.close();
  return {
    mode,
    queries: queryTimes.length,
    lists: stats.byRoute.list ?? 0,
    throttled: stats.throttled,
    peak: peakRate(queryTimes),
    overBudgetSec: overBudgetSeconds(queryTimes),
    lags,
    missed: total - lags.length,
    duplicates: stats.tasksCreated - total,
    fallbacks: warned.size,
    wallMs,
  };
}

function spawnMember(
  config: FleetProcessConfig,
  resolvedAt: Map<string, number>,
  warned: Set<ChildProcess>,
): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', benchFile('lib/fleet-process.ts'), JSON.stringify(config)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    if (line.includes('Redis is unreachable')) warned.add(child);
    if (process.env.BENCH_DEBUG) console.error(line);
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const event = JSON.parse(line) as { taskId?: string; at?: number; error?: string };
    if (event.taskId && event.at !== undefined) resolvedAt.set(event.taskId, event.at);
    if (event.error && process.env.BENCH_DEBUG) console.error(event.error);
  });
  return child;
}

/** Seconds (of the emulated clock, whole) holding more than the account's limit. */
function overBudgetSeconds(times: readonly number[]): number {
  const perSecond = new Map<number, number>();
  for (const at of times)
    perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
  return [...perSecond.values()].filter((count) => count > LIMIT).length;
}

/** Queries per emulated second from 3 s before the outage to 5 s after it, marking the kill and the restart. */
function outageTrace(times: readonly number[], [killedAt = 0, backAt = 0]: readonly number[]): string {
  const perSecond = new Map<number, number>();
  for (const at of times)
    perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
  const lines: string[] = [];
  for (let s = Math.floor(killedAt / 1000) - 3; s <= Math.floor(backAt / 1000) + 5; s++) {
    const mark =
      s === Math.floor(killedAt / 1000) ? ' killed' : s === Math.floor(backAt / 1000) ? ' back' : '';
    lines.push(`${s * 1000 - Math.floor(killedAt / 1000) * 1000}: ${perSecond.get(s) ?? 0}${mark}`);
  }
  return `queries per emulated second around the outage:\n${lines.join('\n')}`;
}

function rowsTable(rows: readonly Row[]): string {
  return table(
    [
      'run',
      'queries (list)',
      '429s',
      'peak q/s',
      's over 20/s',
      'lag p50 s',
      'lag p95 s',
      'lag max s',
      'missed',
      'twice',
      'fell back',
      'wall s',
    ],
    rows.map((r) => [
      MODES[r.mode],
      `${r.queries} (${r.lists})`,
      String(r.throttled),
      String(r.peak),
      String(r.overBudgetSec),
      sec(quantile(r.lags, 0.5)),
      sec(quantile(r.lags, 0.95)),
      sec(Math.max(...r.lags)),
      String(r.missed),
      String(r.duplicates),
      String(r.fallbacks),
      (r.wallMs / 1000).toFixed(1),
    ]),
  );
}

const began = performance.now();
console.log('# Fleet benchmark\n');
console.log(
  `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0]?.toFixed(1)}, clock ×${SCALE}, redis-server on loopback\n`,
);
try {
  for (const [processes, jobsEach] of SHAPES) {
    const rows: Row[] = [];
    for (const mode of RUNS) rows.push(await run(processes, jobsEach, mode));
    console.log(`## ${processes} processes × ${jobsEach} jobs\n\n${rowsTable(rows)}\n`);
    const single = rows.find((r) => r.mode === 'single');
    const fleet = rows.find((r) => r.mode === 'redis');
    const p95 = (r: Row) => quantile(r.lags, 0.95);
    if (single && fleet)
      console.log(
        `Through Redis vs one process: p95 lag ×${(p95(fleet) / p95(single)).toFixed(2)} (target ≤ 1.25), ` +
          `list queries ×${(fleet.lists / Math.max(1, single.lists)).toFixed(2)} (target ≤ 1.25), ${fleet.throttled} × 429 (target 0)\n`,
      );
  }
} finally {
  await redis.stop();
}
console.log(`(fleet benchmark took ${((performance.now() - began) / 1000).toFixed(0)} s)`);
