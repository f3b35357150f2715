/**
 * What a finished call must not leave behind: timers, sockets, servers, unhandled rejections.
 * Plain Node (no vitest import) so the soak runner, which runs under tsx, uses the same checks.
 */

/** The handle kinds a leak would show up as. */
const KINDS = ['Timeout', 'TCPSocketWrap', 'TCPServerWrap'] as const;

/** Live handles by kind, from `process.getActiveResourcesInfo()`. */
export type HandleCounts = Record<(typeof KINDS)[number], number>;

/** Counts the live handles of each watched kind now. */
export function activeHandles(): HandleCounts {
  const counts = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as HandleCounts;
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind in counts) counts[kind as keyof HandleCounts] += 1;
  }
  return counts;
}

/**
 * The kinds that have more live handles than in `before`, after giving closing handles up to
 * `withinMs` of real time to go. Polled on setImmediate, never on a timer: a timer of our own would
 * count as the very leak we look for. Bounded by time, not by a number of turns: on a loaded machine
 * a closing socket can take many quick turns to be reported closed; a real leak never is.
 */
export async function leakedSince(before: HandleCounts, withinMs = 5_000): Promise<string[]> {
  const grown = () =>
    Object.entries(activeHandles())
      .filter(([kind, count]) => count > before[kind as keyof HandleCounts])
      .map(([kind, count]) => `${kind}: ${before[kind as keyof HandleCounts]} → ${count}`);
  const giveUpAt = performance.now() + withinMs;
  while (grown().length > 0 && performance.now() < giveUpAt) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  return grown();
}

/** Collects every unhandled rejection from now until `stop()`, which returns them. */
export function watchUnhandledRejections(): { stop(): unknown[] } {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', listener);
  return {
    stop() {
      process.off('unhandledRejection', listener);
      return seen;
    },
  };
}
