/**
 * `liveportrait mcp`: a Model Context Protocol server on stdin/stdout. The MCP SDK is an optional peer
 * dependency, so it is imported here, at run time, and only by this command: the rest of the CLI and
 * the library never load it, and without it the command says what to install.
 *
 * stdout belongs to the protocol: everything else this process says goes to stderr through `log`.
 */
import type { Readable, Writable } from 'node:stream';
import { type LivePortraitClient, VERSION } from '../../index.js';
import { MissingDependencyError } from '../errors.js';
import { registerTools } from './tools.js';

const SDK = '@modelcontextprotocol/sdk';

/** What the server runs with. */
export interface ServeMcpOptions {
  /** Built from the environment like every command; closed by the caller afterwards. */
  client: LivePortraitClient;
  /** A line on stderr. */
  log: (line: string) => void;
  /** Removes the API key from any text. */
  redact: (text: string) => string;
  /** Aborted on SIGINT/SIGTERM: the server stops. */
  signal: AbortSignal;
  /** See {@link ToolContext.progressIntervalMs}. */
  progressIntervalMs: number | null;
  /** Wall clock for elapsed times; `Date.now` by default. */
  now?: () => number;
  /** Where requests come from; `process.stdin` by default. Its end stops the server. */
  stdin?: Readable;
  /** Where answers go; `process.stdout` by default. */
  stdout?: Writable;
}

/** Loads the MCP SDK's server classes, or says how to install it. */
export async function loadMcpServerSdk() {
  try {
    const [{ McpServer }, { StdioServerTransport }] = await Promise.all([
      import('@modelcontextprotocol/sdk/server/mcp.js'),
      import('@modelcontextprotocol/sdk/server/stdio.js'),
    ]);
    return { McpServer, StdioServerTransport };
  } catch (error) {
    const missing =
      (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String((error as Error).message).includes(`'${SDK}`);
    if (!missing) throw error;
    throw new MissingDependencyError(
      `the mcp command needs the MCP SDK: npm install ${SDK} (next to dashscope-liveportrait, or with -g if that is global)`,
    );
  }
}

/**
 * Serves the tools until the client closes stdin, the transport closes, or `signal` fires; then
 * stops every wait, lets cancellations the calls asked for finish, and resolves.
 */
export async function serveMcp(
  options: ServeMcpOptions,
  sdk: Awaited<ReturnType<typeof loadMcpServerSdk>>,
): Promise<void> {
  const stdin = options.stdin ?? process.stdin;
  const shutdown = new AbortController();
  const calls = new Set<Promise<unknown>>();
  const server = new sdk.McpServer(
    { name: 'liveportrait', title: 'LivePortrait (DashScope)', version: VERSION },
    { instructions: INSTRUCTIONS },
  );
  registerTools(server, {
    client: options.client,
    now: options.now ?? Date.now,
    progressIntervalMs: options.progressIntervalMs,
    log: options.log,
    redact: options.redact,
    shutdown: shutdown.signal,
    track: (call) => {
      calls.add(call);
      void call.finally(() => calls.delete(call));
    },
  });

  const stopped = new Promise<string>((resolve) => {
    stdin.once('end', () => resolve('stdin closed'));
    server.server.onclose = () => resolve('connection closed');
    if (options.signal.aborted) resolve(String(options.signal.reason));
    options.signal.addEventListener('abort', () => resolve(String(options.signal.reason)), { once: true });
  });
  await server.connect(new sdk.StdioServerTransport(stdin, options.stdout));
  options.log(`liveportrait mcp ${VERSION}: serving on stdio (API key from the environment)`);

  const why = await stopped;
  shutdown.abort(new Error(`server stopping: ${why}`));
  await Promise.allSettled([...calls]);
  await server.close();
  options.log(`liveportrait mcp: stopped (${why})`);
}

/** Told to the client at initialization: how to use the tools together. */
const INSTRUCTIONS = `Talking-portrait videos with Alibaba Cloud DashScope LivePortrait: a portrait photo and a speech recording in, an MP4 out.
- check_portrait (billed per image) and inspect_media (free) catch unusable inputs before a billed job.
- generate_talking_video submits a job and waits for it; it returns a link to the video, valid for 24 hours after the task ended.
- If a call is cut off or its wait runs out, the task keeps running: resume with wait_for_task and the task id (in progress messages and in the result). Do not submit the same video twice: each job is billed.
- Local files must be given as absolute paths on the machine this server runs on.`;
