/**
 * Port-level helpers of the fleet tests: the list endpoint of a real emulator as a `ListTasks`, and
 * a plain sweeping detector standing in for the in-process one where a test only needs "some sweep".
 */
import { listTasks as listEndpoint } from '../../src/endpoints.js';
import { formatListTime } from '../../src/internal/time.js';
import type { EndDetector, ListTasks, TaskListQuery, TaskSighting } from '../../src/polling/ports.js';
import { Transport } from '../../src/transport.js';

export const API_KEY = 'sk-test-0123456789abcdef';

/** The list endpoint of the emulator at `baseURL`; `close` ends its connection pool. */
export function emulatorList(baseURL: string): { listTasks: ListTasks; close(): Promise<void> } {
  const transport = new Transport({
    apiKey: API_KEY,
    baseURL,
    timeout: 10_000,
    maxRetries: 0,
    maxRetryDelay: 10,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
  });
  return {
    listTasks: (query: TaskListQuery, signal: AbortSignal) => listEndpoint(transport, query, { signal }),
    close: () => transport.close(),
  };
}

/** Lists page 1 of every status every `everyMs` while anything is watched; reports status changes. */
export function plainSweeper(everyMs = 100) {
  let sweeps = 0;
  const factory = ({ listTasks }: { listTasks: ListTasks }): EndDetector => {
    const watched = new Map<
      string,
      { submittedAt: number; status?: string; on: (s: TaskSighting) => void }
    >();
    const stop = new AbortController();
    void (async () => {
      while (!stop.signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, everyMs));
        if (watched.size === 0 || stop.signal.aborted) continue;
        try {
          const oldest = Math.min(...[...watched.values()].map((w) => w.submittedAt));
          sweeps++;
          const page = await listTasks(
            { startTime: formatListTime(oldest - 60_000), pageNo: 1, pageSize: 100 },
            stop.signal,
          );
          for (const item of page.items) {
            const entry = watched.get(item.taskId);
            if (!entry || entry.status === item.status) continue;
            entry.status = item.status;
            entry.on({
              taskId: item.taskId,
              status: item.status as TaskSighting['status'],
              endedAt: item.endedAt,
            });
          }
        } catch {
          // The next sweep tries again.
        }
      }
    })();
    return {
      watch(taskId, submittedAt, onSighting) {
        watched.set(taskId, { submittedAt, on: onSighting });
        return () => {
          watched.delete(taskId);
        };
      },
      backstopMs: () => (watched.size > 0 ? 60_000 : 0),
      missed: () => {},
      async close() {
        stop.abort();
      },
    };
  };
  return { factory, sweeps: () => sweeps };
}
