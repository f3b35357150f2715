/**
 * The fallback of a process cut off from Redis: with no leader to serve it, it sweeps for its own
 * waits on its local share of the budget until Redis returns.
 */

import type { EndDetector, ListTasks } from 'dashscope-liveportrait';
import type { RedisLink } from './link.js';
import { DetectorMirror } from './mirror.js';
import type { WatchRegistry } from './watches.js';

/**
 * While Redis is unreachable no leader can serve this process: it sweeps for its own waits, on its
 * local share of the budget, until Redis returns.
 */
export interface AloneDetection {
  /** The own sweep's backstop; undefined while Redis is up (the fleet's leader serves). */
  backstopMs(): number | undefined;
  missed(taskId: string, endedAt: number | undefined): void;
  close(): Promise<void>;
}

export function detectAlone(
  link: RedisLink,
  watches: WatchRegistry,
  listTasks: () => ListTasks | undefined,
  detector: (listTasks: ListTasks) => EndDetector,
): AloneDetection {
  let mirror: DetectorMirror | undefined;
  const sync = () => {
    const list = listTasks();
    if (link.up || !list) {
      const closing = mirror;
      mirror = undefined;
      void closing?.close();
      return;
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
      const closing = mirror;
      mirror = undefined;
      await closing?.close();
    },
  };
}
