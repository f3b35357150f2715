/**
 * Property tests (fast-check). Validation: values around every documented bound never let an
 * out-of-range value reach the wire and never reject an in-range one. Parsing: whatever status, headers
 * and body come back, the caller gets a typed result or a `LivePortraitError` — never a raw
 * TypeError/SyntaxError, never a hang. Run counts are bounded to keep the suite fast.
 */
import fc from 'fast-check';
import { MockAgent } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createLocalCoordinator,
  LIMITS,
  LivePortraitClient,
  LivePortraitError,
  TASK_STATUSES,
  TEMPLATE_IDS,
  ValidationError,
} from '../../src/index.js';
import { startEmulator } from '../../src/testing/index.js';
import { API_KEY, AUDIO, IMAGE } from '../helpers/setup.js';

/**
 * The bounds as the model document states them (docs/dashscope §2), written out here rather than read
 * from `LIMITS`: a bound loosened in the source must fail this test, not move with it.
 */
const NUMERIC = {
  eyeMoveFreq: { wire: 'eye_move_freq', min: 0, max: 1, integer: false },
  videoFps: { wire: 'video_fps', min: 15, max: 30, integer: true },
  mouthMoveStrength: { wire: 'mouth_move_strength', min: 0, max: 1.5, integer: false },
  headMoveStrength: { wire: 'head_move_strength', min: 0, max: 1, integer: false },
} as const;
type NumericName = keyof typeof NUMERIC;

/** Values crowding the bounds: the bounds themselves, a hair inside and outside, and oddities. */
function aroundBounds(limit: { min: number; max: number }): fc.Arbitrary<unknown> {
  const { min, max } = limit;
  const hair = [Number.EPSILON, 1e-9, 1e-6, 0.5, 1];
  // The bounds and their neighbours carry most of the weight: that is where an off-by-one hides.
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(min, max, ...hair.flatMap((h) => [min - h, min + h, max - h, max + h])),
    },
    fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    fc.double({ min: min - 2, max: max + 2, noNaN: true }),
    { weight: 2, arbitrary: fc.integer({ min: Math.floor(min) - 2, max: Math.ceil(max) + 2 }) },
    fc.constantFrom('1', '', null, true, [], {}, 10n),
  );
}

function valid(name: NumericName, value: unknown): boolean {
  const { min, max, integer } = NUMERIC[name];
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= min &&
    value <= max &&
    (!integer || Number.isInteger(value))
  );
}

/**
 * No account budget: these tests are about validation and parsing. The default one paces submits at
 * 10/s (hundreds of runs would take minutes), and a drawn 429 would pause every later call for its
 * Retry-After (up to maxRetryDelay, 60 s).
 */
const unthrottled = () =>
  createLocalCoordinator({
    queriesPerSecond: Number.POSITIVE_INFINITY,
    submitsPerSecond: Number.POSITIVE_INFINITY,
  });

/** A client on a MockAgent: no sockets; every submit body it would send is recorded and answered. */
function recordingClient() {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const bodies: Array<Record<string, unknown>> = [];
  agent
    .get('https://dashscope.test')
    .intercept({ method: 'POST', path: () => true })
    .reply(200, { request_id: 'r', output: { task_id: 't-1', task_status: 'PENDING' } })
    .persist();
  const dispatcher = agent.compose((dispatch) => (options, handler) => {
    if (typeof options.body === 'string') bodies.push(JSON.parse(options.body));
    return dispatch(options, handler);
  });
  const client = new LivePortraitClient({
    apiKey: API_KEY,
    baseURL: 'https://dashscope.test/api/v1',
    dispatcher,
    coordinator: unthrottled(),
  });
  return { client, bodies, close: () => agent.close() };
}

describe('validation around every documented bound (property)', () => {
  const recorder = recordingClient();
  afterAll(async () => {
    await recorder.client.close();
    await recorder.close();
  });

  const params = fc.record(
    {
      eyeMoveFreq: aroundBounds(NUMERIC.eyeMoveFreq),
      videoFps: aroundBounds(NUMERIC.videoFps),
      mouthMoveStrength: aroundBounds(NUMERIC.mouthMoveStrength),
      headMoveStrength: aroundBounds(NUMERIC.headMoveStrength),
      templateId: fc.oneof(
        fc.constantFrom(...TEMPLATE_IDS),
        fc.constantFrom('Normal', 'calm ', '', 'loud', 1),
      ),
      pasteBack: fc.oneof(fc.boolean(), fc.constantFrom('true', 0, 1, null)),
    },
    { requiredKeys: [] },
  );

  it('an in-range set reaches the wire exactly; any out-of-range value is refused before a request', async () => {
    await fc.assert(
      fc.asyncProperty(params, async (input) => {
        recorder.bodies.length = 0;
        const expectedValid =
          (Object.keys(NUMERIC) as NumericName[]).every(
            (name) => !(name in input) || valid(name, input[name]),
          ) &&
          (!('templateId' in input) || (TEMPLATE_IDS as readonly unknown[]).includes(input.templateId)) &&
          (!('pasteBack' in input) || typeof input.pasteBack === 'boolean');
        const outcome = await recorder.client
          .submit({ imageUrl: IMAGE, audioUrl: AUDIO, ...(input as object) })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        if (!expectedValid) {
          expect(outcome).toBeInstanceOf(ValidationError);
          expect(recorder.bodies).toEqual([]);
          return;
        }
        expect(outcome).toBeUndefined();
        expect(recorder.bodies).toHaveLength(1);
        const sent = (recorder.bodies[0]?.parameters ?? {}) as Record<string, unknown>;
        for (const name of Object.keys(NUMERIC) as NumericName[]) {
          const wireValue = sent[NUMERIC[name].wire];
          if (name in input) expect(wireValue === input[name], `${name} on the wire`).toBe(true);
          else expect(wireValue).toBeUndefined();
          // Whatever is sent is in range: the wire never carries what the model document forbids.
          if (wireValue !== undefined) expect(valid(name, wireValue)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('one parameter at a time, around its bounds: sent as is when valid, refused before a request when not', async () => {
    const single = fc.oneof(
      ...(Object.keys(NUMERIC) as NumericName[]).map((name) =>
        aroundBounds(NUMERIC[name]).map((value) => [name, value] as const),
      ),
    );
    await fc.assert(
      fc.asyncProperty(single, async ([name, value]) => {
        recorder.bodies.length = 0;
        const error = await recorder.client.submit({ imageUrl: IMAGE, audioUrl: AUDIO, [name]: value }).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (valid(name, value)) {
          expect(error, `${name}=${String(value)} must be accepted`).toBeUndefined();
          const sent = recorder.bodies[0]?.parameters as Record<string, unknown>;
          expect(sent[NUMERIC[name].wire] === value).toBe(true);
        } else {
          expect(error, `${name}=${String(value)} must be refused`).toBeInstanceOf(ValidationError);
          expect(recorder.bodies).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('each ValidationError names every failing field', async () => {
    await fc.assert(
      fc.asyncProperty(params, async (input) => {
        const error = await recorder.client
          .submit({ imageUrl: IMAGE, audioUrl: AUDIO, ...(input as object) })
          .catch((e: unknown) => e);
        if (!(error instanceof ValidationError)) return;
        const named = new Set(error.issues.map((issue) => issue.path));
        for (const name of Object.keys(NUMERIC) as NumericName[]) {
          if (name in input && !valid(name, input[name])) expect(named.has(name), name).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('whatever DashScope answers, a typed result or a typed error (property)', () => {
  const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/).map((value) => value.trim());
  const headers = fc.record(
    {
      'content-type': fc.constantFrom(
        'application/json',
        'text/html',
        'text/plain',
        'application/json; charset=gbk',
        '',
      ),
      'retry-after': fc.oneof(
        headerValue,
        fc.constantFrom('0', '-1', '1e309', '99999999999', 'Wed, 21 Oct 2015 07:28:00 GMT'),
      ),
      'x-anything': headerValue,
    },
    { requiredKeys: [] },
  );
  const taskLike = fc.record(
    {
      request_id: fc.oneof({ weight: 4, arbitrary: fc.string() }, fc.integer(), fc.constant(null)),
      code: fc.oneof(
        fc.string(),
        fc.constantFrom('InternalError', 'Throttling', 'InvalidApiKey', ''),
        fc.integer(),
      ),
      message: fc.oneof(fc.string(), fc.jsonValue()),
      output: fc.oneof(
        fc.jsonValue(),
        fc.record(
          {
            task_id: fc.oneof(fc.string(), fc.integer(), fc.constant('t-1')),
            task_status: fc.oneof(
              { weight: 4, arbitrary: fc.constantFrom(...TASK_STATUSES) },
              fc.string(),
              fc.constant(null),
            ),
            pass: fc.oneof(fc.boolean(), fc.string()),
            results: fc.oneof(
              fc.jsonValue(),
              fc.record({ video_url: fc.oneof(fc.webUrl(), fc.jsonValue()) }),
            ),
            code: fc.oneof(fc.string(), fc.jsonValue()),
          },
          { requiredKeys: [] },
        ),
      ),
      usage: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );
  // Answers that pass the envelope and differ only inside: where a missing field would crash a mapper.
  /** Mostly the right type, sometimes anything: fields that pass the schema reach the mappers. */
  const mostly = <T>(right: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: right }, fc.jsonValue());
  const nearlyValidTask = fc.record(
    {
      request_id: fc.constant('r'),
      output: fc.record(
        {
          task_id: fc.constant('t-1'),
          task_status: fc.constantFrom(...TASK_STATUSES, 'WEIRD'),
          results: mostly(fc.record({ video_url: mostly(fc.webUrl()) }, { requiredKeys: [] })),
          code: mostly(fc.string()),
          message: mostly(fc.string()),
          submit_time: mostly(fc.string()),
        },
        { requiredKeys: ['task_id', 'task_status'] },
      ),
      usage: mostly(
        fc.record(
          { video_duration: mostly(fc.double()), video_ratio: mostly(fc.string()) },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: ['request_id', 'output'] },
  );
  const body = fc.oneof(
    { weight: 4, arbitrary: nearlyValidTask.map((value) => JSON.stringify(value)) },
    { weight: 4, arbitrary: taskLike.map((value) => JSON.stringify(value)) },
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom('', '{', 'null', '[]', '<html><body>502</body></html>', '\u0000\uffff', '{"output":'),
  );
  // 200 carries most of the weight: a success status with a strange body is where parsers crash.
  const status = fc.oneof(
    { weight: 4, arbitrary: fc.constant(200) },
    fc.constantFrom(201, 202, 204, 206, 302, 400, 401, 403, 404, 408, 413, 429, 500, 502, 503, 504),
    fc.integer({ min: 200, max: 599 }),
  );
  const answer = fc.record({ status, headers, body });
  const call = fc.constantFrom('getTask', 'submit', 'detectImage', 'cancelTask', 'waitForTask');

  it('task answers that pass the envelope, for getTask and waitForTask', async () => {
    const running = await startEmulator({ apiKeys: [API_KEY], rateLimits: { query: false } });
    const client = new LivePortraitClient({
      apiKey: API_KEY,
      baseURL: running.baseURL,
      maxRetries: 0,
      pollSchedule: { initialMs: 5, maxMs: 5, factor: 1, jitter: 0 },
      coordinator: unthrottled(),
    });
    try {
      await fc.assert(
        fc.asyncProperty(nearlyValidTask, fc.boolean(), async (task, wait) => {
          running.faults.next(1, { route: 'query', kind: 'status', status: 200, body: JSON.stringify(task) });
          const outcome = await (wait
            ? client.waitForTask('t-1', { timeout: 300 })
            : client.getTask('t-1')
          ).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          );
          running.faults.clear();
          if ('error' in outcome)
            expect(outcome.error, String(outcome.error)).toBeInstanceOf(LivePortraitError);
          else if (!wait)
            expect([...TASK_STATUSES, 'UNRECOGNIZED']).toContain(
              (outcome.value as { status: string }).status,
            );
        }),
        { numRuns: 150 },
      );
    } finally {
      await client.close();
      await running.close();
    }
  });

  it('over a real socket, for every call', async () => {
    const running = await startEmulator({
      apiKeys: [API_KEY],
      queueMs: 20,
      runMs: 20,
      rateLimits: { query: false, submit: false, detect: false },
    });
    const client = new LivePortraitClient({
      apiKey: API_KEY,
      baseURL: running.baseURL,
      timeout: 1_000,
      maxRetries: 0,
      // Every retried answer's Retry-After is honored (up to this): random ones of hours must not turn
      // 200 parsing runs into waits that run to their deadline. This is about parsing, not waiting.
      maxRetryDelay: 5,
      pollSchedule: { initialMs: 5, maxMs: 5, factor: 1, jitter: 0 },
      coordinator: unthrottled(),
    });
    try {
      await fc.assert(
        fc.asyncProperty(answer, call, async ({ status, headers, body }, method) => {
          const route = {
            getTask: 'query',
            waitForTask: 'query',
            submit: 'submit',
            detectImage: 'detect',
            cancelTask: 'cancel',
          } as const;
          running.faults.next(1, { route: route[method], kind: 'status', status, headers, body });
          const run = {
            getTask: () => client.getTask('t-1'),
            waitForTask: () => client.waitForTask('t-1', { timeout: 300 }),
            submit: () => client.submit({ imageUrl: IMAGE, audioUrl: AUDIO }),
            detectImage: () => client.detectImage(IMAGE),
            cancelTask: () => client.cancelTask('t-1'),
          }[method];
          const outcome = await run().then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          );
          running.faults.clear();
          if ('error' in outcome) {
            expect(outcome.error, String(outcome.error)).toBeInstanceOf(LivePortraitError);
            return;
          }
          // A result is the typed shape, never a raw body.
          const value = outcome.value as Record<string, unknown> | undefined;
          if (method === 'getTask') expect([...TASK_STATUSES, 'UNRECOGNIZED']).toContain(value?.status);
          if (method === 'submit') expect(typeof value?.taskId).toBe('string');
          if (method === 'detectImage') expect(typeof value?.pass).toBe('boolean');
          if (method === 'waitForTask') expect(typeof value?.videoUrl).toBe('string');
        }),
        { numRuns: 200 },
      );
    } finally {
      await client.close();
      await running.close();
    }
  });
});

describe('LIMITS', () => {
  it('says what the model document says', () => {
    for (const [name, bound] of Object.entries(NUMERIC)) {
      expect(LIMITS[name as NumericName]).toEqual({ min: bound.min, max: bound.max });
    }
  });
});
