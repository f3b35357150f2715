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
  return new Link(parent);
}

/**
 * The controller and its own listener on the parent (`handleEvent`): one object per link instead of a
 * record of closures, which every waiting job holds for its whole life.
 */
class Link implements LinkedAbort {
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal | undefined;

  constructor(parent: AbortSignal | undefined) {
    this.#parent = parent;
    if (parent?.aborted) this.#controller.abort(parent.reason);
    else parent?.addEventListener('abort', this, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    this.#controller.abort(reason);
  }

  release(): void {
    this.#parent?.removeEventListener('abort', this);
  }

  /** The parent aborted. */
  handleEvent(): void {
    this.#controller.abort(this.#parent?.reason);
  }
}
