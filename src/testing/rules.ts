/**
 * An ordered list of "when this matches, do that, N times" rules: the one mechanism behind scripted
 * task outcomes, scripted image checks and queued faults, so all three count and expire alike.
 */

/** A rule: applies to subjects `when` accepts (all if omitted), at most `times` times. */
export interface Rule<Subject, Effect> {
  when?: ((subject: Subject) => boolean) | undefined;
  /** How many matches this rule serves before it is dropped. Default: unlimited. */
  times?: number | undefined;
  effect: Effect;
}

/** First-match-wins rule list; a rule that has served its `times` is removed. */
export class RuleList<Subject, Effect> {
  readonly #rules: { when?: ((subject: Subject) => boolean) | undefined; left: number; effect: Effect }[] =
    [];

  /** Appends a rule; it is consulted after the rules added before it. */
  add(rule: Rule<Subject, Effect>): void {
    const left = rule.times ?? Number.POSITIVE_INFINITY;
    if (!(left > 0)) throw new RangeError(`times must be > 0, got ${rule.times}`);
    this.#rules.push({ when: rule.when, left, effect: rule.effect });
  }

  /** The effect of the first rule matching `subject` (using up one of its times), if any. */
  take(subject: Subject): Effect | undefined {
    const index = this.#rules.findIndex((rule) => rule.when === undefined || rule.when(subject));
    const rule = this.#rules[index];
    if (!rule) return undefined;
    rule.left -= 1;
    if (rule.left <= 0) this.#rules.splice(index, 1);
    return rule.effect;
  }

  /** Rules still active. */
  get size(): number {
    return this.#rules.length;
  }

  /** Drops every rule. */
  clear(): void {
    this.#rules.length = 0;
  }
}
