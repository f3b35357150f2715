/**
 * Real time for fleet mode. Leases, heartbeats and Redis's bucket run on Redis's clock, which is real
 * time, so this process's loops around them do too: they never take an injected clock. A benchmark
 * running DashScope's time `scale` times faster only converts rates and Retry-After at the edge.
 */
import { systemSleep } from 'dashscope-liveportrait';

/** A monotonic clock, ms. */
export const monotonicNow = (): number => performance.now();

/**
 * The SDK's own sleep on real time, with `keepAlive` always said: false for the loops of an idle
 * client (heartbeats, renewals), which must not keep its process alive.
 */
export const nap = (ms: number, signal: AbortSignal | undefined, keepAlive: boolean): Promise<void> =>
  systemSleep(ms, signal, { keepAlive });
