/**
 * `notifications/progress` for one tool call that waits for a task. MCP clients time out requests
 * (60 s by default in the TypeScript SDK); those that reset the timeout on progress keep waiting as
 * long as notifications arrive, so besides every status change this sends a heartbeat with the
 * elapsed time every `intervalMs`. Sent only when the request carried a progress token, as the
 * protocol requires; the last known status is tracked either way (cancel-on-abort needs it).
 */
import type { ServerNotification } from '@modelcontextprotocol/sdk/types.js';

/** What a tool call's handler is given by the MCP SDK, as far as progress needs it. */
export interface ProgressExtra {
  _meta?: { progressToken?: string | number | undefined } | undefined;
  sendNotification(notification: ServerNotification): Promise<void>;
}

/** One call's progress: the task it concerns, the last status seen, and the heartbeat. */
export interface CallProgress {
  /** The task id, once known. */
  readonly taskId: string | undefined;
  /** The last status seen, once a task exists. */
  readonly status: string | undefined;
  /** Records the task's status and, when it changed, tells the client at once. */
  update(taskId: string, status: string): void;
  /** Stops the heartbeat; nothing is sent afterwards. Idempotent. */
  stop(): void;
}

/**
 * Starts progress for one call. `progress` is the elapsed time in seconds (it only grows, as the
 * protocol asks); `message` says which task, its status and the elapsed time, e.g.
 * `task 0385dc79-… RUNNING, 42 s elapsed`.
 */
export function startProgress(
  extra: ProgressExtra,
  options: { now: () => number; intervalMs: number | null; initial: string },
): CallProgress {
  const token = extra._meta?.progressToken;
  const started = options.now();
  let taskId: string | undefined;
  let status: string | undefined;
  let last = 0;
  let stopped = false;

  const send = (): void => {
    if (token === undefined || stopped) return;
    const elapsed = (options.now() - started) / 1000;
    // Two notifications within a millisecond must still increase.
    last = Math.max(Math.round(elapsed * 1000) / 1000, last + 0.001);
    const what = taskId === undefined ? options.initial : `task ${taskId} ${status}`;
    const message = `${what}, ${Math.floor(elapsed)} s elapsed`;
    const params = { progressToken: token, progress: last, message };
    // A client that went away is noticed by the transport; a lost notification is not worth a crash.
    extra.sendNotification({ method: 'notifications/progress', params }).catch(() => {});
  };

  const timer =
    token === undefined || options.intervalMs === null ? undefined : setInterval(send, options.intervalMs);
  timer?.unref();

  return {
    get taskId() {
      return taskId;
    },
    get status() {
      return status;
    },
    update(id, next) {
      if (id === taskId && next === status) return;
      taskId = id;
      status = next;
      send();
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
