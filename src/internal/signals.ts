/**
 * One AbortController that follows parent signals until it is released. Written out instead of
 * `AbortSignal.any()`, whose followers stay registered on a long-lived parent (a client's close
 * signal, a caller's signal shared by many jobs) until garbage collection: a client waiting for hours
 * would pile them up.
 */
/** An AbortController aborted by the first of its parents to abort; `release()` detaches it from them. */
export class LinkedAbort extends AbortController {
  readonly #parents: Array<AbortSignal | undefined>;
  readonly #follow = (event: Event) => this.abort((event.target as AbortSignal).reason);

  constructor(parents: Array<AbortSignal | undefined>) {
    super();
    this.#parents = parents;
    for (const parent of parents) {
      if (!parent) continue;
      if (parent.aborted) {
        this.abort(parent.reason);
        break;
      }
      parent.addEventListener('abort', this.#follow, { once: true });
    }
  }

  /** Detaches from the parents. Call it in `finally`. */
  release(): void {
    for (const parent of this.#parents) parent?.removeEventListener('abort', this.#follow);
  }
}

/** A controller aborted by the first of `parents` to abort (undefined parents are skipped). */
export function linkAbort(...parents: Array<AbortSignal | undefined>): LinkedAbort {
  return new LinkedAbort(parents);
}
