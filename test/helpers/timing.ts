/**
 * Bounds for the few tests that must let real time pass. CI runs on loaded machines, where a process
 * can stall for hundreds of milliseconds at any point: every bound here is seconds, so that only a
 * real defect (a hang, a missed abort) fails it, never a slow machine. Time that a test can drive
 * itself belongs on a manual clock instead (`createManualClock`, `vi.useFakeTimers`).
 */

/** Options for `vi.waitFor`, whose own default (1 s) a loaded machine can miss. */
export const EVENTUALLY = { timeout: 10_000, interval: 20 } as const;

/**
 * "At once", for an abort or a close ending a wait: what such a test rules out takes 30 s or more
 * (the next poll, a hung request's timeout, a long `Retry-After`), so 5 s separates the two widely.
 */
export const PROMPT_MS = 5_000;
