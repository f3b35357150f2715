/**
 * The fault-injection matrix as data: which step of a job gets which fault, and what the README
 * promises then. `fault-matrix.test.ts` turns every cell into a named test and docs/RELIABILITY.md
 * carries {@link renderMatrix}'s table verbatim (a test keeps the two equal), so the published
 * figures cannot drift from what is tested.
 */
import type { Fault } from '../../src/testing/index.js';

/** Where in a job the fault strikes. */
export const STEPS = ['detect', 'submit', 'first poll', 'later poll', 'cancel', 'download'] as const;
export type Step = (typeof STEPS)[number];

/** The faults, by the name used in test titles and the table. */
export const FAULT_NAMES = [
  '429 + Retry-After',
  '429, no Retry-After',
  '500',
  '502 HTML page',
  '503',
  '504',
  'reset before body',
  'reset after body',
  'hang past timeout',
  'malformed JSON',
  '200 + error code',
  'unknown status',
  'status flaps back',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/**
 * One occurrence of a fault: the emulator answers the next request(s) of the step this way. Most
 * faults are one answer; a flapping status is two (RUNNING, then PENDING again). `taskId` is the
 * job's id, for the faults that forge a task answer.
 */
export function occurrence(name: FaultName, taskId: string): Fault[] {
  const task = (status: string): Fault => ({
    kind: 'status',
    status: 200,
    body: { request_id: `forged-${status}`, output: { task_id: taskId, task_status: status } },
  });
  switch (name) {
    case '429 + Retry-After':
      return [{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }];
    case '429, no Retry-After':
      return [{ kind: 'status', status: 429 }];
    case '500':
      return [{ kind: 'status', status: 500 }];
    case '502 HTML page':
      return [{ kind: 'html', status: 502 }];
    case '503':
      return [{ kind: 'status', status: 503 }];
    case '504':
      return [{ kind: 'status', status: 504 }];
    case 'reset before body':
      return [{ kind: 'reset-before-body' }];
    case 'reset after body':
      return [{ kind: 'reset-after-body' }];
    case 'hang past timeout':
      return [{ kind: 'hang' }];
    case 'malformed JSON':
      return [{ kind: 'malformed-json' }];
    case '200 + error code':
      return [{ kind: 'error-200', code: 'InternalError' }];
    case 'unknown status':
      return [task('WEIRD')];
    case 'status flaps back':
      return [task('RUNNING'), task('PENDING')];
  }
}

/** `once`: one occurrence, then normal answers. `persistent`: the fault on every request from then on. */
export const VARIANTS = ['once', 'persistent'] as const;
export type Variant = (typeof VARIANTS)[number];

/** What the call must end with: `ok`, or the exact class name of the typed error. */
export type Outcome =
  | 'ok'
  | 'APIError'
  | 'BadRequestError'
  | 'ConnectionError'
  | 'InternalServerError'
  | 'RateLimitError'
  | 'RequestTimeoutError'
  | 'WaitTimeoutError'
  | 'MediaUnreachableError';

/** The promised outcome of one cell, and how many jobs exist on the server afterwards. */
export interface Expectation {
  outcome: Outcome;
  jobs: 0 | 1;
  /** Why, when it is not obvious from the README. */
  note?: string;
}

/** A cell that does not apply (a detect answer has no task status, say). */
export const NOT_APPLICABLE = null;

type Row = Record<FaultName, Record<Variant, Expectation> | typeof NOT_APPLICABLE>;

const both = (outcome: Outcome, jobs: 0 | 1, note?: string) => {
  const expectation: Expectation = note ? { outcome, jobs, note } : { outcome, jobs };
  return { once: expectation, persistent: expectation };
};
const retried = (persistent: Outcome, jobsWhenFailed: 0 | 1, note?: string) => ({
  once: { outcome: 'ok' as const, jobs: 1 as const },
  persistent: note
    ? { outcome: persistent, jobs: jobsWhenFailed, note }
    : { outcome: persistent, jobs: jobsWhenFailed },
});

/** An idempotent call: every transient fault is retried, and when it persists the typed error surfaces. */
function idempotentRow(jobsWhenFailed: 0 | 1): Row {
  return {
    '429 + Retry-After': retried('RateLimitError', jobsWhenFailed),
    '429, no Retry-After': retried('RateLimitError', jobsWhenFailed),
    '500': retried('InternalServerError', jobsWhenFailed),
    '502 HTML page': retried('InternalServerError', jobsWhenFailed),
    '503': retried('InternalServerError', jobsWhenFailed),
    '504': retried('InternalServerError', jobsWhenFailed),
    'reset before body': retried('ConnectionError', jobsWhenFailed),
    'reset after body': retried('ConnectionError', jobsWhenFailed),
    'hang past timeout': retried('RequestTimeoutError', jobsWhenFailed),
    'malformed JSON': retried('APIError', jobsWhenFailed, 'code InvalidResponse'),
    '200 + error code': retried('InternalServerError', jobsWhenFailed, 'status 200, code InternalError'),
    'unknown status': NOT_APPLICABLE,
    'status flaps back': NOT_APPLICABLE,
  };
}

/** A poll inside a wait: nothing transient ends the wait; only its deadline does. */
function pollRow(): Row {
  const untilDeadline = retried('WaitTimeoutError', 1);
  return {
    '429 + Retry-After': untilDeadline,
    '429, no Retry-After': untilDeadline,
    '500': untilDeadline,
    '502 HTML page': untilDeadline,
    '503': untilDeadline,
    '504': untilDeadline,
    'reset before body': untilDeadline,
    'reset after body': untilDeadline,
    'hang past timeout': untilDeadline,
    'malformed JSON': untilDeadline,
    '200 + error code': untilDeadline,
    'unknown status': retried('WaitTimeoutError', 1, 'lastStatus UNRECOGNIZED; logged once'),
    'status flaps back': untilDeadline,
  };
}

/** The promised outcome of every cell. */
export const EXPECTED: Record<Step, Row> = {
  detect: idempotentRow(0),
  submit: {
    // Retried only where no job can exist (README "Why submit is careful").
    '429 + Retry-After': retried('RateLimitError', 0),
    '429, no Retry-After': retried('RateLimitError', 0),
    '500': both('InternalServerError', 0, 'not retried: a job may exist'),
    '502 HTML page': both('InternalServerError', 0, 'not retried: a job may exist'),
    '503': both('InternalServerError', 0, 'not retried: a job may exist'),
    '504': both('InternalServerError', 0, 'not retried: a job may exist'),
    'reset before body': both('ConnectionError', 0, 'not retried: the request left this machine'),
    'reset after body': both('ConnectionError', 1, 'the job exists; not retried, so never a second one'),
    'hang past timeout': both('RequestTimeoutError', 0, 'not retried: a job may exist'),
    'malformed JSON': both('APIError', 0, 'code InvalidResponse; not retried'),
    '200 + error code': both('InternalServerError', 0, 'status 200; not retried'),
    'unknown status': NOT_APPLICABLE,
    'status flaps back': NOT_APPLICABLE,
  },
  'first poll': pollRow(),
  'later poll': pollRow(),
  cancel: {
    ...idempotentRow(1),
    'reset after body': both('ok', 1, 'the lost answer did cancel; getTask confirms CANCELED'),
  },
  download: {
    ...idempotentRow(1),
    '429 + Retry-After': retried('MediaUnreachableError', 1),
    '429, no Retry-After': retried('MediaUnreachableError', 1),
    '500': retried('MediaUnreachableError', 1),
    '502 HTML page': retried('MediaUnreachableError', 1),
    '503': retried('MediaUnreachableError', 1),
    '504': retried('MediaUnreachableError', 1),
    'reset before body': retried('MediaUnreachableError', 1, 'status undefined: no answer came'),
    'reset after body': retried('MediaUnreachableError', 1, 'status undefined: no answer came'),
    'hang past timeout': retried('MediaUnreachableError', 1, 'status undefined: no answer came'),
    // The video host (OSS) answers bytes, not DashScope JSON: these two have no meaning there.
    'malformed JSON': NOT_APPLICABLE,
    '200 + error code': NOT_APPLICABLE,
  },
};

/**
 * The table as Markdown: one row per fault, one column per step; each cell is `once / persistent`,
 * with the number of jobs that exist afterwards in parentheses.
 */
export function renderMatrix(): string {
  const cell = (expectation: Expectation) =>
    `${expectation.outcome === 'ok' ? 'ok' : `\`${expectation.outcome}\``} (${expectation.jobs})`;
  const lines = [`| fault | ${STEPS.join(' | ')} |`, `|---|${STEPS.map(() => '---').join('|')}|`];
  for (const fault of FAULT_NAMES) {
    const cells = STEPS.map((step) => {
      const expected = EXPECTED[step][fault];
      if (!expected) return '—';
      return `${cell(expected.once)} / ${cell(expected.persistent)}`;
    });
    lines.push(`| ${fault} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The cells' notes, as a Markdown list, for the report. */
export function renderNotes(): string {
  const notes: string[] = [];
  for (const step of STEPS) {
    for (const fault of FAULT_NAMES) {
      const expected = EXPECTED[step][fault];
      if (!expected) continue;
      for (const variant of VARIANTS) {
        const note = expected[variant].note;
        if (note && !(variant === 'persistent' && note === expected.once.note)) {
          notes.push(`- ${step} × ${fault}${variant === 'persistent' ? ' (persistent)' : ''}: ${note}`);
        }
      }
    }
  }
  return notes.join('\n');
}
