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

/** Submits every job, then polls each task on `schedule` until it ends (or the run gives up). */
export async function runBaseline(schedule: Schedule, run: PollerRun): Promise<void> {
  const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000 });
  const headers = { authorization: `Bearer ${run.apiKey}`, 'content-type': 'application/json' };
  try {
    await Promise.all(
      run.jobs.map(async (job) => {
        const submitted = await request(`${run.baseURL}/services/aigc/image2video/video-synthesis/`, {
          method: 'POST',
          dispatcher: agent,
          headers: { ...headers, 'x-dashscope-async': 'enable' },
          body: JSON.stringify({
            model: 'liveportrait',
            input: { image_url: IMAGE, audio_url: job.audioUrl },
          }),
        });
        const { output } = (await submitted.body.json()) as { output: { task_id: string } };
        for (let n = 0; run.time.now() < run.giveUpAt; n++) {
          await run.time.sleep(schedule(n));
          const answer = await request(`${run.baseURL}/tasks/${output.task_id}`, {
            dispatcher: agent,
            headers,
          });
          const body = (await answer.body.json()) as { output?: { task_status?: string } };
          if (answer.statusCode === 200 && FINAL.has(body.output?.task_status ?? '')) {
            run.onDone(output.task_id);
            return;
          }
        }
      }),
    );
  } finally {
    await agent.close();
  }
}
