/**
 * The emulator bin's first step, before anything loads msw: without msw installed, print the one line
 * saying what to install and exit 1, rather than an error and its stack. It runs as this module is
 * evaluated, i.e. before the modules bin.ts imports after it; bin.ts uses {@link MSW_PRESENT} so that
 * no bundler drops this module as free of side effects (the package says `"sideEffects": false`).
 */
import { canResolveMsw, mswAdvice } from './msw-peer.js';

/** Always true once this module has been evaluated: without msw the process has exited. */
export const MSW_PRESENT: true = exitUnlessMsw();

function exitUnlessMsw(): true {
  if (!canResolveMsw((specifier) => import.meta.resolve(specifier))) {
    process.stderr.write(`${mswAdvice('dashscope-liveportrait-emulator')}\n`);
    process.exit(1);
  }
  return true;
}
