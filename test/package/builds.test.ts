/**
 * The two builds as users load them (dist/, from `npm run build`): every exported class is named after
 * its export (esbuild would print `_ValidationError`), `instanceof` works across the CommonJS and ESM
 * copies for every error class while still respecting subclassing, and the CommonJS build `require`s
 * no ESM-only dependency.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

type Module = Record<string, unknown>;
type Class = abstract new (...args: never[]) => unknown;

const DIST = resolve('dist');
const ENTRIES = { main: 'index', testing: 'testing/index' } as const;

/** Fails with a clear message when dist/ is missing or older than what it is built from. */
function assertBuilt(): void {
  const built = join(DIST, 'index.cjs');
  let builtAt: number;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    throw new Error('dist/index.cjs is missing: run `npx tsup` (npm test builds first)');
  }
  const sources = [
    'tsup.config.ts',
    ...readdirSync('src', { recursive: true, encoding: 'utf8' }).map((f) => join('src', f)),
  ];
  const newest = Math.max(...sources.map((file) => statSync(file).mtimeMs));
  if (newest > builtAt) throw new Error('dist/ is older than src/: run `npx tsup`');
}

const builds: Record<'esm' | 'cjs', Record<keyof typeof ENTRIES, Module>> = {
  esm: { main: {}, testing: {} },
  cjs: { main: {}, testing: {} },
};

beforeAll(async () => {
  assertBuilt();
  const require = createRequire(import.meta.url);
  for (const [entry, file] of Object.entries(ENTRIES) as [keyof typeof ENTRIES, string][]) {
    builds.esm[entry] = (await import(pathToFileURL(join(DIST, `${file}.js`)).href)) as Module;
    builds.cjs[entry] = require(join(DIST, `${file}.cjs`)) as Module;
  }
});

function isClass(value: unknown): value is Class {
  return typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
}

function classesOf(module: Module): [string, Class][] {
  return Object.entries(module).filter((entry): entry is [string, Class] => isClass(entry[1]));
}

describe('class names', () => {
  it.each(['esm', 'cjs'] as const)(
    'every exported class of the %s build is named after its export',
    (format) => {
      for (const entry of Object.keys(ENTRIES) as (keyof typeof ENTRIES)[]) {
        const classes = classesOf(builds[format][entry]);
        expect(classes.length).toBeGreaterThan(entry === 'main' ? 20 : 1);
        for (const [exported, Class] of classes)
          expect(`${entry}: ${Class.name}`).toBe(`${entry}: ${exported}`);
      }
    },
  );

  it('an error instance and its stack carry the export name', () => {
    for (const format of ['esm', 'cjs'] as const) {
      const error = makeError(builds[format].main, 'ValidationError');
      expect(error.name).toBe('ValidationError');
      expect(error.stack).toMatch(/^ValidationError: /);
    }
  });
});

/** Arguments that build each exported error class; a new class must be added here to be tested. */
const ARGS: Record<string, unknown[]> = {
  LivePortraitError: ['x'],
  ConfigurationError: ['x'],
  ValidationError: [[{ path: 'videoFps', message: 'is wrong' }]],
  APIError: ['x', { status: 418, code: 'Teapot', requestId: undefined }],
  BadRequestError: ['x', { status: 400, code: 'InvalidParameter', requestId: undefined }],
  AuthenticationError: ['x', { status: 401, code: 'InvalidApiKey', requestId: undefined }],
  PermissionDeniedError: ['x', { status: 403, code: 'AccessDenied', requestId: undefined }],
  NotFoundError: ['x', { status: 404, code: 'ModelNotFound', requestId: undefined }],
  RateLimitError: ['x', { status: 429, code: 'Throttling', requestId: undefined }],
  InternalServerError: ['x', { status: 500, code: 'InternalError', requestId: undefined }],
  ConnectionError: ['x'],
  RequestTimeoutError: ['x'],
  AbortError: ['x'],
  TaskFailedError: [{ taskId: 't', code: 'InvalidURL', message: 'm' }],
  TaskCanceledError: [{ taskId: 't' }],
  TaskUnknownError: [{ taskId: 't' }],
  WaitTimeoutError: [{ taskId: 't', lastStatus: 'RUNNING', timeoutMs: 1 }],
  ImageRejectedError: ['no face', undefined],
  MediaUnreachableError: [{ url: 'https://example.com/a.png', status: 404 }],
  ResultExpiredError: [{ url: 'https://example.com/v.mp4', status: 403 }],
  SaveFailedError: [{ path: '/out/v.mp4', videoUrl: 'https://example.com/v.mp4', reason: 'r' }],
};

function makeError(module: Module, name: string): Error {
  const Class = module[name] as new (...args: unknown[]) => Error;
  return new Class(...(ARGS[name] ?? []));
}

/** The export names of `Class` and its ancestors inside the package. */
function lineage(module: Module, Class: Class): Set<string> {
  const names = new Set<string>();
  for (let current: unknown = Class; current && current !== Error; current = Object.getPrototypeOf(current)) {
    const exported = Object.entries(module).find(([, value]) => value === current)?.[0];
    if (exported) names.add(exported);
  }
  return names;
}

describe('instanceof across the CommonJS and ESM copies', () => {
  const errorClassNames = () =>
    classesOf(builds.cjs.main)
      .filter(([, Class]) => Class.prototype instanceof Error)
      .map(([name]) => name);

  it('covers every exported error class', () => {
    expect(errorClassNames().sort()).toEqual(Object.keys(ARGS).sort());
  });

  it.each([
    ['cjs', 'esm'],
    ['esm', 'cjs'],
  ] as const)(
    'an error made by the %s copy is an instance of exactly its classes in the %s copy',
    (from, to) => {
      for (const made of errorClassNames()) {
        const error = makeError(builds[from].main, made);
        const ancestors = lineage(builds[from].main, builds[from].main[made] as Class);
        for (const [name, Class] of classesOf(builds[to].main)) {
          expect(`${made} instanceof ${name}: ${error instanceof Class}`).toBe(
            `${made} instanceof ${name}: ${ancestors.has(name)}`,
          );
        }
      }
    },
  );

  it("a user's subclass is still checked by its prototype chain", () => {
    const esm = builds.esm.main as Record<string, new (...args: unknown[]) => Error>;
    const cjs = builds.cjs.main as Record<string, new (...args: unknown[]) => Error>;
    class AppValidationError extends (esm.ValidationError!) {}
    const mine = new AppValidationError([{ path: '', message: 'm' }]);
    expect(mine).toBeInstanceOf(cjs.ValidationError!);
    expect(mine).toBeInstanceOf(cjs.LivePortraitError!);
    expect(mine).not.toBeInstanceOf(cjs.APIError!);
    // A plain ValidationError, from either copy, is not an instance of the app's subclass.
    expect(makeError(builds.cjs.main, 'ValidationError')).not.toBeInstanceOf(AppValidationError);
    expect(makeError(builds.esm.main, 'ValidationError')).not.toBeInstanceOf(AppValidationError);
    expect(new Error('x')).not.toBeInstanceOf(esm.LivePortraitError!);
    expect(null).not.toBeInstanceOf(esm.LivePortraitError!);
  });

  it('the brand does not show in JSON or in util.inspect', () => {
    const error = makeError(builds.cjs.main, 'TaskFailedError') as Error & { toJSON(): object };
    expect(Object.getOwnPropertySymbols(error)).toEqual([]);
    expect(JSON.stringify(error)).not.toContain('dashscope-liveportrait.');
  });
});

describe('the CommonJS build and ESM-only dependencies', () => {
  it('bundles p-retry and is-network-error into dist/index.cjs, and keeps them external in ESM', () => {
    const cjs = readFileSync(join(DIST, 'index.cjs'), 'utf8');
    const esm = readFileSync(join(DIST, 'index.js'), 'utf8');
    expect(cjs).not.toMatch(/require\(["'](p-retry|is-network-error)["']\)/);
    expect(esm).toMatch(/from ["']p-retry["']/);
  });
});
