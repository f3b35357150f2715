/**
 * The benchmark's jobs: seeded log-normal durations (median 20 s from submit to end), each split into
 * a queue time of 1–4 s and the rest running. The emulator reads each job's plan from its audio URL.
 */
import type { TaskInput } from '../../src/testing/index.js';
import { logNormal, seededRandom } from './stats.js';

export interface Job {
  index: number;
  audioUrl: string;
  queueMs: number;
  runMs: number;
}

export const IMAGE = 'https://example.com/face.png';
/** Median job duration, submit → SUCCEEDED. */
export const MEDIAN_MS = 20_000;
/** Log-normal shape: 90% of jobs take 9.5–42 s. */
export const SIGMA = 0.45;

export function makeJobs(count: number, seed = 20_251_226): Job[] {
  const random = seededRandom(seed + count);
  return Array.from({ length: count }, (_, index) => {
    const total = logNormal(random, MEDIAN_MS, SIGMA);
    const queueMs = Math.min(total / 3, 1_000 + 3_000 * random());
    return { index, audioUrl: `https://example.com/voice.mp3?job=${index}`, queueMs, runMs: total - queueMs };
  });
}

/** The emulator's `queueMs`/`runMs` options for `jobs`. */
export function emulatorPlan(jobs: readonly Job[]) {
  const jobOf = (input: TaskInput) => jobs[Number(/[?&]job=(\d+)/.exec(input.audioUrl)?.[1] ?? 0)] as Job;
  return {
    queueMs: (input: TaskInput) => jobOf(input).queueMs,
    runMs: (input: TaskInput) => jobOf(input).runMs,
  };
}
