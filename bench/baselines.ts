/**
 * The pollers the SDK is compared with, written here from their published schedules: each task is
 * polled on its own, a 429 only costs that poll (the next one follows the schedule), no shared budget.
 * - official: DashScope's Python/Java SDK `wait` — 1, 1, 1, 2, 2, 2, 4, 4, 4, 5, 5 … s;
 * - fixed 0.5 s, 5 s and 15 s (the last is what Alibaba's model page suggests).
 * (The official SDKs return a 429 to the caller at once; retrying it is kinder to them than they are.)
 */
import { Agent, request } from 'undici';
import { IMAGE, type Job } from './lib/jobs.js';
import type { ScaledTime } from './lib/time.js';

/** Gap before poll number `n` (0-based), ms. */
export type Schedule = (n: number) => number;

export const officialSchedule: Schedule = (n) => Math.min(5_000, 1_000 * 2 ** Math.floor(n / 3));
export const fixedSchedule =
  (ms: number): Schedule =>
  () =>
    ms;

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN']);

export interface PollerRun {
  baseURL: string;
  apiKey: string;
  jobs: readonly Job[];
  time: ScaledTime;
  /** Emulated epoch ms after which the run gives up. */
  giveUpAt: number;
  onDone(taskId: string): void;
}

function auth(run: PollerRun): Record<string, string> {
  return { authorization: `Bearer ${run.apiKey}` };
}

/** Submits `job` with a bare request; resolves with its task id. */
async function submit(run: PollerRun, agent: Agent, job: Job): Promise<string> {
  const answer = await request(`${run.baseURL}/services/aigc/image2video/video-synthesis/`, {
    method: 'POST',
    dispatcher: agent,
    headers: { ...auth(run), 'content-type': 'application/json', 'x-dashscope-async': 'enable' },
    body: JSON.stringify({ model: 'liveportrait', input: { image_url: IMAGE, audio_url: job.audioUrl } }),
  });
  const { output } = (await answer.body.json()) as { output: { task_id: string } };
  return output.task_id;
}

/** Submits every job, then polls each task on `schedule` until it ends (or the run gives up). */
export async function runBaseline(schedule: Schedule, run: PollerRun): Promise<void> {
  const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000 });
  try {
    await Promise.all(
      run.jobs.map(async (job) => {
        const taskId = await submit(run, agent, job);
        for (let n = 0; run.time.now() < run.giveUpAt; n++) {
          await run.time.sleep(schedule(n));
          const answer = await request(`${run.baseURL}/tasks/${taskId}`, {
            dispatcher: agent,
            headers: auth(run),
          });
          const body = (await answer.body.json()) as { output?: { task_status?: string } };
          if (answer.statusCode === 200 && FINAL.has(body.output?.task_status ?? '')) {
            run.onDone(taskId);
            return;
          }
        }
      }),
    );
  } finally {
    await agent.close();
  }
}

/** The account's query limit the oracle stays within: one query every 50 ms is 20 per second. */
const ORACLE_GAP_MS = 1_000 / 20;

/**
 * The physical limit: a poller that knows when each task ends (from the job's plan, read after its
 * submit answered, so never before the end) and spends exactly one detail query per end, the
 * earliest end first, never two queries within 50 ms. No poller can detect ends sooner on average
 * inside 20 queries per second: its lag is the backlog of detail queries alone.
 */
export async function runOracle(run: PollerRun): Promise<void> {
  const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000 });
  /** Tasks submitted and not yet detected, by when they end (emulated ms). */
  const ends: Array<{ taskId: string; endsAt: number }> = [];
  let submitted = 0;
  let detected = 0;
  const query = async (task: { taskId: string; endsAt: number }) => {
    const answer = await request(`${run.baseURL}/tasks/${task.taskId}`, {
      dispatcher: agent,
      headers: auth(run),
    });
    const body = (await answer.body.json()) as { output?: { task_status?: string } };
    if (answer.statusCode === 200 && FINAL.has(body.output?.task_status ?? '')) {
      detected++;
      run.onDone(task.taskId);
    } else insert(ends, { ...task, endsAt: run.time.now() + ORACLE_GAP_MS }); // never expected
  };
  try {
    const submits = Promise.all(
      run.jobs.map(async (job) => {
        const taskId = await submit(run, agent, job);
        insert(ends, { taskId, endsAt: run.time.now() + job.queueMs + job.runMs });
        submitted++;
      }),
    );
    const queries: Array<Promise<void>> = [];
    let lastQueryAt = Number.NEGATIVE_INFINITY;
    while (detected < run.jobs.length && run.time.now() < run.giveUpAt) {
      const next = ends[0];
      const at = next ? Math.max(next.endsAt, lastQueryAt + ORACLE_GAP_MS) : run.time.now() + 10;
      if (at > run.time.now()) {
        // A submit answering meanwhile may bring an earlier end: look again at least every gap.
        await run.time.sleep(Math.min(at - run.time.now(), ORACLE_GAP_MS));
        continue;
      }
      ends.shift();
      lastQueryAt = run.time.now();
      queries.push(query(next as { taskId: string; endsAt: number }));
      if (ends.length === 0 && submitted === run.jobs.length) await Promise.all(queries);
    }
    await submits;
  } finally {
    await agent.close();
  }
}

/** Inserts `task` into `ends`, kept sorted by `endsAt`. */
function insert(
  ends: Array<{ taskId: string; endsAt: number }>,
  task: { taskId: string; endsAt: number },
): void {
  let index = ends.length;
  while (index > 0 && (ends[index - 1]?.endsAt ?? 0) > task.endsAt) index--;
  ends.splice(index, 0, task);
}
