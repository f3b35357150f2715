/**
 * msw is the optional peer dependency of `dashscope-liveportrait/testing`. Without it, loading the kit
 * must say what to install in one line, not die with a bare "Cannot find module 'msw'" stack. This
 * module holds that line and the two ways of loading msw (ESM and CommonJS builds differ), so both say
 * the same; `msw.ts` and `msw-require.ts` are the doors the rest of the kit goes through.
 */

/** The one line a user without msw sees; `who` is what needs it. */
export function mswAdvice(who: string): string {
  return `${who} needs msw (2.x), its optional peer dependency: npm install --save-dev msw`;
}

/** The line for the `./testing` entry. */
export const MISSING_MSW = mswAdvice('dashscope-liveportrait/testing');

/** True when `error` is the module loader failing to find msw itself (not a failure inside msw). */
export function isMswMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && /['"]msw['"]/.test(message);
}

/**
 * The error thrown when msw is missing: its stack is the one line, since the loader's own stack (deep
 * in node's resolver) tells a user nothing they can act on.
 */
export function missingMswError(): Error {
  const error = new Error(MISSING_MSW);
  error.stack = `Error: ${MISSING_MSW}`;
  return error;
}

/** Loads msw with `load` (a dynamic `import('msw')`), turning "not installed" into {@link MISSING_MSW}. */
export async function loadMsw<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMswMissing(error)) throw missingMswError();
    throw error;
  }
}

/** The same for the CommonJS build, where `load` is a synchronous `require('msw')`. */
export function requireMsw<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (isMswMissing(error)) throw missingMswError();
    throw error;
  }
}

/** Whether msw can be found from `parentUrl` (the running file), without loading it. */
export function canResolveMsw(resolve: (specifier: string) => string): boolean {
  try {
    resolve('msw');
    return true;
  } catch (error) {
    if (isMswMissing(error)) return false;
    throw error;
  }
}
