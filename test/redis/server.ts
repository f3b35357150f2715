/**
 * A real `redis-server` for the fleet-mode tests: started on a free loopback port with no persistence,
 * stopped by its PID. No mock: the budget's Lua, the lease and the stream are Redis behaviour.
 * Missing `redis-server` fails the test with a message saying how to install it (`.ci/run` does).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A running redis-server that a test can kill, restart, pause and resume. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** PID of the current server process (changes on restart). */
  readonly pid: number;
  /** Kills the server (SIGKILL: no goodbye to clients), waits for it to exit. */
  kill(): Promise<void>;
  /** Starts a fresh, empty server on the same port. */
  restart(): Promise<void>;
  /** SIGKILLs it if running; idempotent. */
  stop(): Promise<void>;
}

/** Where to find redis-server; throws a clear error when it is not installed. */
export function redisServerBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || !path) {
    throw new Error(
      'redis-server is not installed: the fleet-mode tests need a real one. ' +
        'Install it (Debian/Ubuntu: apt-get install -y redis-server); `bash .ci/run` does this itself.',
    );
  }
  return path;
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts redis-server on a free port; resolves once it accepts connections. */
export async function startRedisServer(): Promise<RedisServer> {
  const binary = redisServerBinary();
  const port = await freePort();
  let child: ChildProcess = await launch(binary, port);
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid ?? -1;
    },
    kill,
    async restart() {
      await kill();
      child = await launch(binary, port);
    },
    stop: kill,
  };
}

async function launch(binary: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('exit', (code) =>
      reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)),
    );
    child.once('error', reject);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  try {
    await ready;
  } finally {
    clearTimeout(timer);
  }
  return child;
}
