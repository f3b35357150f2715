/**
 * The one cleanup registry of the test helpers: whatever a test opened (emulators, clients, agents,
 * servers, child processes) is closed after it, last opened first.
 */
import { afterEach } from 'vitest';

const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** Runs each of `closes` after the current test, whatever its outcome (the last one given first). */
export function onCleanup(...closes: Array<() => unknown>): void {
  cleanups.push(...closes);
}
