/**
 * The fallback of a process cut off from Redis: with no leader to serve it, it sweeps for its own
 * waits on its local share of the budget until Redis returns and the fleet's sweep serves again.
 */

import type { EndDetector, ListTasks } from 'dashscope-liveportrait';
import type { RedisLink } from './link.js';
import { DetectorMirror } from './mirror.js';
import type { WatchRegistry } from './watches.js';

/**
 * While Redis is unreachable no leader can serve this process: it sweeps for its own waits, on its
 * local share of the budget, until Redis returns and the fleet's sweep serves again (this process
 * leads, or the leader's note is back). Handing over at the return itself would leave every wait of
 * the fleet polling on its own until the leader's first sweep after it.
 */
export interface AloneDetection {
  /** The own sweep's backstop; undefined while the fleet's leader serves. */
  backstopMs(): number | undefined;
  missed(taskId: string, endedAt: number | undefined): void;
  close(): Promise<void>;
}

/** How often a process that swept alone looks whether the fleet's sweep serves again, ms. */
const HANDOVER_CHECK_MS = 500;

/** Starts watching `link` and `watches`; sweeps through `detector` while this process is on its own. */
export function detectAlone(
  link: RedisLink,
  watches: WatchRegistry,
  listTasks: () => ListTasks | undefined,
  fleetServes: () => boolean,
  detector: (listTasks: ListTasks) => EndDetector,
): AloneDetection {
  let mirror: DetectorMirror | undefined;
  let recheck: NodeJS.Timeout | undefined;
  const sync = () => {
    const list = listTasks();
    if (!list || (link.up && (!mirror || fleetServes()))) {
      const closing = mirror;
      mirror = undefined;
      void closing?.close();
      return;
    }
    if (link.up) {
      recheck ??= setTimeout(() => {
        recheck = undefined;
        sync();
      }, HANDOVER_CHECK_MS).unref();
    }
    mirror ??= new DetectorMirror(detector(list), (sighting) => watches.sighted(sighting));
    mirror.sync([...watches.entries()].map(([taskId, { submittedAt }]) => [taskId, submittedAt] as const));
  };
  const offLink = link.onChange(sync);
  const offWatches = watches.onChange(sync);
  void link.settled().then(sync);
  return {
    backstopMs: () => mirror?.backstopMs(),
    missed: (taskId, endedAt) => mirror?.missed(taskId, endedAt),
    async close() {
      offLink();
      offWatches();
      clearTimeout(recheck);
      const closing = mirror;
      mirror = undefined;
      await closing?.close();
    },
  };
}
