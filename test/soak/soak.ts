/**
 * The seeded soak: many `generateVideo` jobs through one client and the real transport, against an
 * emulator that faults a fixed share of all responses at random. It then accounts for every job from
 * both sides — what the caller got, and which tasks the emulator holds — and counts what must never
 * happen: a job lost, a job created twice, a call that never settles, a timer or socket left behind.
 * Plain Node (no vitest) so `npm run soak` runs it with tsx; soak.test.ts runs a small seed in `npm test`.
 */
import { LivePortraitClient, LivePortraitError, TaskFailedError, type VideoResult } from '../../src/index.js';
import { type Fault, startEmulator } from '../../src/testing/index.js';
import { activeHandles, leakedSince, watchUnhandledRejections } from '../reliability/leaks.js';

/** Options of {@link runSoak}. */
export interface SoakOptions {
  jobs: number;
  seed: number;
  /** Share of all responses (submit, detect, polls) replaced by a fault. Default 0.1. */
  faultRate?: number;
  /** Jobs in flight at once. Default 25. */
  concurrency?: number;
}

/** What happened, job by job, summed up. The last four must be zero. */
export interface SoakReport {
  jobs: number;
  succeeded: number;
  /** Jobs that ended with a `LivePortraitError` subclass (a failed task, a submit that failed…). */
  typedErrors: number;
  /** Typed errors by class name. */
  errorsByClass: Record<string, number>;
  /** Submits the SDK reported as accepted (`onSubmitted`), and tasks the emulator holds. */
  submitsAccepted: number;
  tasksCreated: number;
  /** Tasks created by a submit whose answer was lost: each one's job ended with a ConnectionError. */
  unacknowledgedTasks: number;
  faultsInjected: number;
  /** Requests the emulator received. */
  requests: number;
  /** A job whose task exists (or was acknowledged) but that ended with neither its result nor its error. */
  lost: number;
  /** A job with more than one task on the server. */
  duplicated: number;
  /** A call that had not settled by its deadline. */
  hung: number;
  /** Timers or sockets left after everything closed, plus unhandled rejections. */
  leaked: number;
  /** Jobs whose outcome was wrong (a result for a job meant to fail, an untyped error…), with why. */
  wrong: string[];
}

/** Every fault the emulator can inject, 429s with and without Retry-After, evenly drawn. */
const ALL_FAULTS: readonly Fault[] = [
  { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
  { kind: 'status', status: 429 },
  { kind: 'status', status: 500 },
  { kind: 'html', status: 502 },
  { kind: 'status', status: 503 },
  { kind: 'status', status: 504 },
  { kind: 'reset-before-body' },
  { kind: 'reset-after-body' },
  { kind: 'hang' },
  { kind: 'malformed-json' },
  { kind: 'error-200', code: 'InternalError' },
];

const API_KEY = 'sk-soak-0123456789';
/** Generous against the job's real length (~100 ms) and fault delays: only a real hang reaches it. */
const WAIT_TIMEOUT_MS = 20_000;
const HUNG_AFTER_MS = 30_000;

interface JobOutcome {
  index: number;
  meantToFail: boolean;
  acknowledgedTaskId: string | undefined;
  result?: VideoResult;
  error?: unknown;
  hung: boolean;
}

/** Runs the soak and accounts for every job. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { jobs, seed, faultRate = 0.1, concurrency = 25 } = options;
  const handlesBefore = activeHandles();
  const rejections = watchUnhandledRejections();
  const running = await startEmulator({
    apiKeys: [API_KEY],
    queueMs: 20,
    runMs: 40,
    // One account would be held to DashScope's 20 queries/s; the soak is about faults, not throttling,
    // so the budgets are raised far above what 25 jobs in flight need.
    rateLimits: {
      query: { perSecond: 100_000 },
      submit: { perSecond: 100_000 },
      detect: { perSecond: 100_000 },
    },
  });
  running.faults.random({ seed, probability: faultRate, faults: ALL_FAULTS });
  const client = new LivePortraitClient({
    apiKey: API_KEY,
    baseURL: running.baseURL,
    // Long enough that a busy event loop (25 jobs and the emulator in one process) is not mistaken
    // for a hang; short enough that the injected hangs cost little.
    timeout: 500,
    maxRetries: 2,
    maxRetryDelay: 5,
    pollSchedule: { initialMs: 10, maxMs: 30, factor: 1.5, jitter: 0.2 },
    // The client-side poll budget would hold 25 jobs to 20 polls/s.
    pollBudget: 100_000,
  });

  const outcomes: JobOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs) {
      const index = next++;
      outcomes.push(await runJob(client, index));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, jobs) }, worker));
  } finally {
    await client.close();
  }
  const tasks = running.tasks.all();
  const stats = running.stats;
  await running.close();
  const leaks = await leakedSince(handlesBefore);
  const unhandled = rejections.stop();
  return account(outcomes, tasks, {
    faultsInjected: stats.faultsInjected,
    requests: stats.requests,
    leaked: leaks.length + unhandled.length,
  });
}

/** Every 10th job's audio URL says "fail": the emulator ends it FAILED, and the caller must be told so. */
async function runJob(client: LivePortraitClient, index: number): Promise<JobOutcome> {
  const meantToFail = index % 10 === 3;
  const audio = meantToFail
    ? `https://example.com/fail-${index}.mp3`
    : `https://example.com/voice-${index}.mp3`;
  const outcome: JobOutcome = { index, meantToFail, acknowledgedTaskId: undefined, hung: false };
  const call = client.generateVideo(`https://example.com/face.png?job=${index}`, audio, {
    detect: index % 5 === 0,
    timeout: WAIT_TIMEOUT_MS,
    onSubmitted: ({ taskId }) => {
      outcome.acknowledgedTaskId = taskId;
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), HUNG_AFTER_MS);
  });
  try {
    const settled = await Promise.race([
      call.then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      ),
      hung,
    ]);
    if (settled === 'hung') outcome.hung = true;
    else Object.assign(outcome, settled);
  } finally {
    clearTimeout(timer);
  }
  return outcome;
}

interface TaskView {
  id: string;
  imageUrl: string;
  status: string;
}

function account(
  outcomes: JobOutcome[],
  tasks: TaskView[],
  extra: { faultsInjected: number; requests: number; leaked: number },
): SoakReport {
  const tasksOfJob = new Map<number, TaskView[]>();
  for (const task of tasks) {
    const index = Number(new URL(task.imageUrl).searchParams.get('job'));
    tasksOfJob.set(index, [...(tasksOfJob.get(index) ?? []), task]);
  }
  const report: SoakReport = {
    jobs: outcomes.length,
    succeeded: 0,
    typedErrors: 0,
    errorsByClass: {},
    submitsAccepted: 0,
    tasksCreated: tasks.length,
    unacknowledgedTasks: 0,
    faultsInjected: extra.faultsInjected,
    requests: extra.requests,
    lost: 0,
    duplicated: 0,
    hung: 0,
    leaked: extra.leaked,
    wrong: [],
  };
  for (const job of outcomes) {
    const own = tasksOfJob.get(job.index) ?? [];
    const wrong = (why: string) => report.wrong.push(`job ${job.index}: ${why}`);
    if (own.length > 1) report.duplicated++;
    if (job.acknowledgedTaskId) report.submitsAccepted++;
    if (job.hung) {
      report.hung++;
      continue;
    }
    if (job.result) {
      report.succeeded++;
      if (job.meantToFail) wrong('succeeded, but its task was meant to fail');
      if (job.result.taskId !== job.acknowledgedTaskId || own[0]?.id !== job.result.taskId) {
        wrong(`result for task ${job.result.taskId}, not its own`);
      }
      continue;
    }
    const error = job.error;
    if (!(error instanceof LivePortraitError)) {
      wrong(`untyped error ${String(error)}`);
      continue;
    }
    report.typedErrors++;
    report.errorsByClass[error.name] = (report.errorsByClass[error.name] ?? 0) + 1;
    if (job.acknowledgedTaskId) {
      // Past submit, the only legitimate end besides success is the task's own failure.
      if (!(error instanceof TaskFailedError && job.meantToFail && error.taskId === job.acknowledgedTaskId)) {
        report.lost++;
        wrong(`acknowledged task ${job.acknowledgedTaskId} ended with ${error.name}: ${error.message}`);
      }
    } else if (own.length === 1) {
      // A task whose submit answer was lost: legitimate only as an ambiguous connection failure.
      report.unacknowledgedTasks++;
      if (error.name !== 'ConnectionError' && error.name !== 'RequestTimeoutError') {
        report.lost++;
        wrong(`task ${own[0]?.id} exists but the caller got ${error.name}`);
      }
    }
  }
  return report;
}

/** The one line `npm run soak` prints. */
export function summaryLine(report: SoakReport): string {
  return (
    `soak: ${report.jobs} jobs, ${report.succeeded} succeeded, ${report.typedErrors} typed errors, ` +
    `${report.lost} lost, ${report.duplicated} duplicated, ${report.hung} hung, ${report.leaked} leaked`
  );
}
