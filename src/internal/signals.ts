/**
 * One AbortController that follows a parent signal until it is released. Written out instead of
 * `AbortSignal.any()`, whose followers stay registered on a long-lived parent signal until it is
 * garbage collected: a client polling for hours under one signal would pile them up.
 */
export interface LinkedAbort {
  readonly signal: AbortSignal;
  /** Aborts the linked signal (and only it) with `reason`. */
  abort(reason: unknown): void;
  /** Detaches from the parent. Call it in `finally`. */
  release(): void;
}

export function linkAbort(parent: AbortSignal | undefined): LinkedAbort {
  const controller = new AbortController();
  // A named function, not a closure over `controller` kept on the parent after release.
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    release: () => parent?.removeEventListener('abort', onParentAbort),
  };
}
