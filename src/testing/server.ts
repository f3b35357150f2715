/**
 * The msw handlers on a real loopback port. Each node:http request becomes a Fetch `Request` handed to
 * msw's `getResponse`, and the `Response` is written back. Two things only a real socket can do are
 * done here: a network-error Response becomes a TCP reset, and a request whose client went away is
 * aborted (which ends a `hang`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { HttpHandler } from 'msw';
import type { ApiKeyRegistry } from './accounts.js';
import { answerRequest } from './answer.js';
import type { FaultController } from './faults.js';
import { createDashScopeHandlers } from './handlers.js';
import type { EmulatorStats, LogEntry } from './log.js';
import {
  createEmulator,
  type DashScopeEmulator,
  type EmulatorOptions,
  type ImageCheckScript,
} from './state.js';
import type { TaskStore } from './task-store.js';

/** Options of {@link startEmulator}. */
export interface StartEmulatorOptions extends EmulatorOptions {
  /** Port to listen on. Default 0: any free port. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** Serve this emulator instead of a new one (the {@link EmulatorOptions} are then ignored). */
  emulator?: DashScopeEmulator;
}

/** A running emulator: where it listens, its control API, and `close()`. */
export interface RunningEmulator {
  /** Origin of the server, e.g. `http://127.0.0.1:53211`. Result videos are under `/results/`. */
  readonly url: string;
  /** `${url}/api/v1`: give this to the SDK as its base URL. */
  readonly baseURL: string;
  /** The emulator's state and full control API. */
  readonly emulator: DashScopeEmulator;
  /** Same as `emulator.tasks`. */
  readonly tasks: TaskStore;
  /** Same as `emulator.faults`. */
  readonly faults: FaultController;
  /** Same as `emulator.apiKeys`. */
  readonly apiKeys: ApiKeyRegistry;
  /** Same as `emulator.stats` (a fresh copy on each read). */
  readonly stats: EmulatorStats;
  /** Same as `emulator.log` (a fresh copy on each read). */
  readonly log: LogEntry[];
  /** Same as `emulator.scriptImageCheck()`. */
  scriptImageCheck(script: ImageCheckScript): void;
  /** Same as `emulator.reset()`. */
  reset(): void;
  /** Stops listening and destroys every connection (keep-alive and hung ones too). Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the emulator on a real port (loopback by default).
 * @example
 * const emulator = await startEmulator({ apiKeys: ['sk-test'] });
 * // ... point the code under test at emulator.baseURL ...
 * await emulator.close();
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = options.emulator ?? createEmulator(options);
  const sockets = new Set<Socket>();
  let handlers: HttpHandler[] = [];
  let origin = '';

  const server = createServer((req, res) => {
    void bridge(req, res, origin, handlers);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, family, port } = server.address() as AddressInfo;
  origin = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  const baseURL = `${origin}/api/v1`;
  // Built after listen: the handlers match on full URLs, which include the port.
  handlers = createDashScopeHandlers({ emulator, baseURL, resultsBaseURL: origin });

  let closing: Promise<void> | undefined;
  return {
    url: origin,
    baseURL,
    emulator,
    tasks: emulator.tasks,
    faults: emulator.faults,
    apiKeys: emulator.apiKeys,
    get stats() {
      return emulator.stats;
    },
    get log() {
      return emulator.log;
    },
    scriptImageCheck: (script) => emulator.scriptImageCheck(script),
    reset: () => emulator.reset(),
    close() {
      closing ??= closeServer(server, sockets);
      return closing;
    },
  };
}

/** Closes `server` and destroys its sockets; resolves once all of them are closed. */
async function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  const closed = [...sockets].map((socket) => new Promise((resolve) => socket.once('close', resolve)));
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  // server.close() waits for open connections; a hung request or an idle keep-alive socket would
  // keep it (and the test process) alive, so end them all now.
  for (const socket of sockets) socket.destroy();
  await Promise.all([stopped, ...closed]);
  // Node drops closed handles from process.getActiveResourcesInfo() a loop turn after their 'close'
  // events; waiting that turn lets a test assert "nothing left" right after close().
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

/** Serves one node request through the msw handlers. */
async function bridge(req: IncomingMessage, res: ServerResponse, origin: string, handlers: HttpHandler[]) {
  const aborter = new AbortController();
  // 'close' before the answer is finished means the client left (or close() destroyed the socket).
  res.once('close', () => {
    if (!res.writableFinished) aborter.abort();
  });
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const answer = await answerRequest(handlers, {
    url: new URL(req.url ?? '/', origin),
    method: req.method ?? 'GET',
    headers,
    body: () => Readable.toWeb(req) as ReadableStream<Uint8Array>,
    signal: aborter.signal,
  });
  if (res.destroyed) return;
  if (answer.kind === 'reset') {
    // A real TCP RST (not a FIN), so clients see ECONNRESET as they would from a dropped connection.
    req.socket.resetAndDestroy();
    return;
  }
  res.writeHead(answer.status, answer.statusText, answer.headers);
  res.end(answer.body);
}
