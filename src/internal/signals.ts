/**
 * One AbortController that follows parent signals until it is released. Written out instead of
 * `AbortSignal.any()`, whose followers stay registered on a long-lived parent (a client's close
 * signal, a caller's signal shared by many jobs) until garbage collection: a client waiting for hours
 * would pile them up.
 */
export interface LinkedAbort {
  readonly signal: AbortSignal;
  /** Aborts the linked signal (and only it) with `reason`; later calls do nothing. */
  abort(reason: unknown): void;
  /** Detaches from the parents. Call it in `finally`. */
  release(): void;
}

/** A controller aborted by the first of `parents` to abort (undefined parents are skipped). */
export function linkAbort(...parents: Array<AbortSignal | undefined>): LinkedAbort {
  const controller = new AbortController();
  const followed: AbortSignal[] = [];
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    parent.addEventListener('abort', onAbort, { once: true });
    followed.push(parent);
  }
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    release: () => {
      for (const parent of followed) parent.removeEventListener('abort', onAbort);
    },
  };
}
