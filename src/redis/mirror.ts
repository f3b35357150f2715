/**
 * Keeps a sweeping `EndDetector` (the in-process one) watching exactly a given set of tasks. The
 * leader mirrors the fleet's watches into it; a process cut off from Redis mirrors its own.
 */
import type { EndDetector, TaskSighting } from 'dashscope-liveportrait';

export class DetectorMirror {
  readonly #detector: EndDetector;
  readonly #onSighting: (sighting: TaskSighting) => void;
  readonly #watching = new Map<string, () => void>();

  constructor(detector: EndDetector, onSighting: (sighting: TaskSighting) => void) {
    this.#detector = detector;
    this.#onSighting = onSighting;
  }

  /** Watches every task of `tasks` not yet watched, stops watching the others; returns those dropped. */
  sync(tasks: Iterable<readonly [string, number]>): string[] {
    const wanted = new Set<string>();
    for (const [taskId, submittedAt] of tasks) {
      wanted.add(taskId);
      if (!this.#watching.has(taskId)) {
        this.#watching.set(taskId, this.#detector.watch(taskId, submittedAt, this.#onSighting));
      }
    }
    const dropped: string[] = [];
    for (const [taskId, unwatch] of this.#watching) {
      if (wanted.has(taskId)) continue;
      unwatch();
      this.#watching.delete(taskId);
      dropped.push(taskId);
    }
    return dropped;
  }

  /** The detector's backstop: how long a watched wait may go without its own poll. */
  backstopMs(): number {
    return this.#detector.backstopMs();
  }

  /** A wait's poll found an end before the sweep did. */
  missed(taskId: string, endedAt: number | undefined): void {
    if (this.#watching.has(taskId)) this.#detector.missed(taskId, endedAt);
  }

  async close(): Promise<void> {
    for (const unwatch of this.#watching.values()) unwatch();
    this.#watching.clear();
    await this.#detector.close();
  }
}
