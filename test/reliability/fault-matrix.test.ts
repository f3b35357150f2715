/**
 * The fault-injection matrix: every step of a job × every fault, once and persistent, through the real
 * transport against the emulator on a loopback port. Each cell checks the outcome promised in
 * matrix.ts (and so in docs/RELIABILITY.md), plus what must hold whatever the outcome: at most one job
 * per call, no unhandled rejection, no timer or socket left, and settled before its deadline.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LivePortraitClient, LivePortraitError, type VideoResult } from '../../src/index.js';
import {
  createManualClock,
  type ManualClock,
  type RouteName,
  type RunningEmulator,
  startEmulator,
} from '../../src/testing/index.js';
import { API_KEY, AUDIO, FAST_POLLS, IMAGE } from '../helpers/setup.js';
import { activeHandles, leakedSince, watchUnhandledRejections } from './leaks.js';
import {
  EXPECTED,
  type Expectation,
  FAULT_NAMES,
  type FaultName,
  occurrence,
  renderMatrix,
  STEPS,
  type Step,
  VARIANTS,
  type Variant,
} from './matrix.js';

/**
 * A retry waits ≤ 5 ms. A hung attempt gives up after `timeout`, which every answered request must
 * beat: 1 s, because a loaded CI machine can stall a process for a few hundred ms (100 ms made a
 * healthy request fail now and then). Only the hang cells pay for it.
 */
const CLIENT = { timeout: 1_000, maxRetries: 2, maxRetryDelay: 5 };
/** Worst case of one HTTP call: every attempt times out, plus the retry waits. */
const CALL_BUDGET_MS = (CLIENT.maxRetries + 1) * CLIENT.timeout + CLIENT.maxRetries * CLIENT.maxRetryDelay;
/**
 * A persistent poll fault ends the wait at this deadline, paid by 26 cells; before it, at least one
 * faulted poll must have been answered (two round trips at most), even on a loaded machine.
 */
const SHORT_WAIT_MS = 1_000;
/** A wait that must succeed: never reached unless something is wrong. */
const LONG_WAIT_MS = 10_000;
/** Loaded CI machines are slow to hand back the event loop; a hang would blow far past this. */
const SLACK_MS = 3_000;
/** The emulated task's queue and run times. Its clock moves on the job's own events, not by itself. */
const QUEUE_MS = 20;
const RUN_MS = 80;
/** "Persistent": more occurrences than any cell can consume before it ends. */
const PERSISTENT_TIMES = 300;

const ROUTE_OF: Record<Step, RouteName> = {
  detect: 'detect',
  submit: 'submit',
  'first poll': 'query',
  'later poll': 'query',
  cancel: 'cancel',
  download: 'result',
};

type Downloader = (result: VideoResult, path: string) => Promise<unknown>;
/** `client.downloadVideo` is being added by the media work; its row runs once it exists. */
const downloaderOf = (client: LivePortraitClient): Downloader | undefined => {
  const method = (client as unknown as { downloadVideo?: Downloader }).downloadVideo;
  return method?.bind(client);
};
const hasDownload = typeof downloaderOf(new LivePortraitClient({ apiKey: API_KEY })) === 'function';

let scratch = '';
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'lp-matrix-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface CellRun {
  error: unknown;
  elapsedMs: number;
  deadlineMs: number;
  injected: boolean;
  taskId: string | undefined;
  logs: string[];
}

function injector(running: RunningEmulator, step: Step, fault: FaultName, variant: Variant) {
  let injected = false;
  return {
    get injected() {
      return injected;
    },
    inject(taskId: string) {
      injected = true;
      const route = ROUTE_OF[step];
      const answers = occurrence(fault, taskId);
      const rounds = variant === 'once' ? 1 : PERSISTENT_TIMES;
      if (answers.length === 1) running.faults.next(rounds, { ...answers[0]!, route });
      else
        for (let i = 0; i < rounds; i++)
          for (const answer of answers) running.faults.next(1, { ...answer, route });
    },
  };
}

/**
 * Moves the task on the emulator's manual clock as the job goes: RUNNING once submitted, ended once a
 * poll has seen it RUNNING. So every poll step has a RUNNING answer to strike, however slowly a
 * loaded machine polls (with real time, a stalled poll could miss an 80 ms RUNNING window).
 */
function lifecycle(clock: ManualClock, onRunning: (taskId: string) => void = () => {}) {
  return {
    afterSubmit: () => clock.advance(QUEUE_MS),
    onProgress: (event: { taskId: string; status: string }) => {
      if (event.status !== 'RUNNING') return;
      onRunning(event.taskId);
      clock.advance(RUN_MS);
    },
  };
}

async function runCell(
  running: RunningEmulator,
  clock: ManualClock,
  step: Step,
  fault: FaultName,
  variant: Variant,
): Promise<CellRun> {
  const logs: string[] = [];
  const client = new LivePortraitClient({
    apiKey: API_KEY,
    baseURL: running.baseURL,
    ...CLIENT,
    pollSchedule: FAST_POLLS,
    // The client's poll budget would pace 10 ms polls: the matrix is about faults.
    pollBudget: 100_000,
    logger: { debug: (message, fields) => logs.push(`${message} ${JSON.stringify(fields)}`) },
  });
  const faults = injector(running, step, fault, variant);
  const waitMs = variant === 'persistent' && step.endsWith('poll') ? SHORT_WAIT_MS : LONG_WAIT_MS;
  let taskId: string | undefined;
  let started = performance.now();
  let deadlineMs = CALL_BUDGET_MS;
  let error: unknown;
  try {
    if (step === 'cancel') {
      const job = await client.submit({ imageUrl: IMAGE, audioUrl: AUDIO });
      taskId = job.taskId;
      faults.inject(job.taskId);
      started = performance.now();
      await client.cancelTask(job.taskId);
    } else if (step === 'download') {
      const job = lifecycle(clock);
      const video = await client.generateVideo(IMAGE, AUDIO, {
        timeout: LONG_WAIT_MS,
        onSubmitted: job.afterSubmit,
        onProgress: job.onProgress,
      });
      taskId = video.taskId;
      faults.inject(video.taskId);
      started = performance.now();
      // undici's own header/body timers tick about once a second, so a hung download attempt may end
      // up to ~1 s after `timeout`.
      deadlineMs =
        (CLIENT.maxRetries + 1) * (CLIENT.timeout + 1_000) + CLIENT.maxRetries * CLIENT.maxRetryDelay;
      await downloaderOf(client)?.(video, join(scratch, `${step}-${fault}-${variant}.mp4`));
    } else {
      // detect + submit + the wait, each with its own bound.
      deadlineMs = 2 * CALL_BUDGET_MS + waitMs;
      if (step === 'detect' || step === 'submit') faults.inject('');
      const job = lifecycle(clock, (id) => {
        if (step === 'later poll' && !faults.injected) faults.inject(id);
      });
      await client.generateVideo(IMAGE, AUDIO, {
        detect: step === 'detect',
        timeout: waitMs,
        onSubmitted: (submitted) => {
          taskId = submitted.taskId;
          if (step === 'first poll') faults.inject(submitted.taskId);
          job.afterSubmit();
        },
        onProgress: job.onProgress,
      });
    }
  } catch (caught) {
    error = caught;
  } finally {
    await client.close();
  }
  return {
    error,
    elapsedMs: performance.now() - started,
    deadlineMs,
    injected: faults.injected,
    taskId,
    logs,
  };
}

function checkOutcome(run: CellRun, expected: Expectation, fault: FaultName) {
  if (expected.outcome === 'ok') {
    expect(run.error).toBeUndefined();
    return;
  }
  expect(run.error).toBeInstanceOf(LivePortraitError);
  expect((run.error as Error).constructor.name).toBe(expected.outcome);
  const fromDashScope = !['WaitTimeoutError', 'MediaUnreachableError'].includes(expected.outcome);
  if (fromDashScope && fault === 'malformed JSON')
    expect(run.error).toMatchObject({ code: 'InvalidResponse' });
  if (fromDashScope && fault === '200 + error code') {
    expect(run.error).toMatchObject({ status: 200, code: 'InternalError' });
  }
  if (expected.outcome === 'WaitTimeoutError' && fault === 'unknown status') {
    expect(run.error).toMatchObject({ lastStatus: 'UNRECOGNIZED' });
  }
}

const cells = STEPS.map((step) => ({
  step,
  cases: FAULT_NAMES.flatMap((fault) => {
    const row = EXPECTED[step][fault];
    if (!row) return [];
    return VARIANTS.map(
      (variant) =>
        [`${step} × ${fault} (${variant}) → ${row[variant].outcome}`, fault, variant, row[variant]] as const,
    );
  }),
}));

describe.each(cells)('fault matrix: $step', ({ step, cases }) => {
  const run = step === 'download' && !hasDownload ? it.skip : it;
  run.each(cases)('%s', async (_title, fault, variant, expected) => {
    const before = activeHandles();
    const rejections = watchUnhandledRejections();
    // Starts at the real time, so the task times the client reads are plausible to its scheduler; then
    // moves only with the job (lifecycle above). A cancel's job, never advanced, stays PENDING.
    const clock = createManualClock(Date.now());
    const running = await startEmulator({
      apiKeys: [API_KEY],
      now: clock.now,
      queueMs: QUEUE_MS,
      runMs: RUN_MS,
      // The matrix is about injected faults; the emulator's own throttling is the soak's business.
      rateLimits: { query: false, submit: false, detect: false },
    });
    let cell: CellRun;
    try {
      cell = await runCell(running, clock, step, fault, variant);
      expect(cell.injected, 'the fault was injected').toBe(true);
      expect(running.stats.faultsInjected, 'the fault reached the emulator').toBeGreaterThan(0);
      checkOutcome(cell, expected, fault);
      expect(running.stats.tasksCreated).toBe(expected.jobs);
      expect(cell.elapsedMs, 'settled before its deadline').toBeLessThan(cell.deadlineMs + SLACK_MS);
      if (step === 'cancel' && cell.taskId) {
        const canceled = expected.outcome === 'ok' || fault === 'reset after body';
        expect(running.tasks.get(cell.taskId)?.status).toBe(canceled ? 'CANCELED' : 'PENDING');
      }
      if (fault === 'unknown status') {
        expect(cell.logs.filter((line) => line.startsWith('unrecognized task status'))).toHaveLength(1);
      }
    } finally {
      await running.close();
    }
    expect(await leakedSince(before), 'timers or sockets left behind').toEqual([]);
    expect(rejections.stop(), 'unhandled rejections').toEqual([]);
  });
});

describe('the published matrix', () => {
  it('docs/RELIABILITY.md carries the table these tests check, verbatim', async () => {
    const doc = await readFile(new URL('../../docs/RELIABILITY.md', import.meta.url), 'utf8');
    expect(doc).toContain(renderMatrix());
  });
});
