/**
 * `dashscope-liveportrait-emulator`: runs the emulator as a standalone server, e.g. for a demo or for
 * apps in other languages. Prints the base URL to give the client, and stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
// Before server.js: it exits with one line when msw is missing, before server.js would load msw.
import { MSW_PRESENT } from './bin-preflight.js';
import { startEmulator } from './server.js';

const USAGE = `Usage: dashscope-liveportrait-emulator [--port 8080] [--host 127.0.0.1] [--time-scale 0.1] [--api-key sk-…]

  --port        port to listen on (default 8080; 0 picks a free one)
  --host        interface to listen on (default 127.0.0.1)
  --time-scale  multiplies task queue/run times: 0.1 = ten times faster (default 1)
  --api-key     accept only this key (repeatable; default: any key starting with sk-)
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  if (!MSW_PRESENT) return;
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'time-scale': { type: 'string', default: '1' },
      'api-key': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`--port: not a port number: ${values.port}`);
  const timeScale = Number(values['time-scale']);
  if (!(timeScale > 0)) fail(`--time-scale: must be a number > 0, got ${values['time-scale']}`);

  const emulator = await startEmulator({ port, host: values.host, timeScale, apiKeys: values['api-key'] });
  process.stdout.write(`DashScope emulator listening; base URL: ${emulator.baseURL}\n`);

  const stop = (signal: NodeJS.Signals) => {
    process.stderr.write(`${signal}: stopping\n`);
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
