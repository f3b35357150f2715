/**
 * Entry point of the `liveportrait` command (built to dist/cli.js). It only wires the real process
 * to runCli: argv, stdout/stderr, the environment, and signals.
 */
import { runCli } from './run.js';

const interrupt = new AbortController();

function onSignal(signal: NodeJS.Signals): void {
  // A second Ctrl-C means "now": do not wait for the clean shutdown the first one started.
  if (interrupt.signal.aborted) process.exit(signal === 'SIGTERM' ? 143 : 130);
  interrupt.abort(signal);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  interrupt: interrupt.signal,
});
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
// exitCode rather than exit(): lets stdout drain when it is a pipe.
process.exitCode = code;
