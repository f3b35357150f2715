/**
 * `liveportrait mcp` as a process: how it starts (the README's client configuration, as written), how
 * it refuses to start (no MCP SDK, no key), and how it stops (the client closes stdin).
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/testing/index.js';
import { AUDIO, CLI, cli, emulator, IMAGE, KEY } from './helpers.js';
import { assertBuiltWithMcp, connectMcp, textOf } from './mcp-helpers.js';

beforeAll(assertBuiltWithMcp);

const scratch = mkdtempSync(join(tmpdir(), 'lp-mcp-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The JSON block of the README's MCP section, parsed. */
function readmeConfig(): { command: string; args: string[]; env: Record<string, string> } {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## MCP server for AI agents'));
  const block = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('no JSON block in the README section "MCP server for AI agents"');
  return JSON.parse(block).mcpServers.liveportrait;
}

describe('the README configuration block', () => {
  it('runs as written: its command, args and env start a server that makes a video', async () => {
    const config = readmeConfig();
    expect(config.command).toBe('liveportrait');
    // `npm install -g` puts a `liveportrait` on PATH; here it is the build under test.
    const bin = join(scratch, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'liveportrait'),
      `#!/bin/sh\nexec "${process.execPath}" "${resolve(CLI)}" "$@"\n`,
    );
    chmodSync(join(bin, 'liveportrait'), 0o755);
    // Without an allow-list the emulator accepts any sk-… key, such as the README's placeholder.
    const emu = await startEmulator({ queueMs: 100, runMs: 200 });
    try {
      const session = await connectMcp({
        command: { command: config.command, args: config.args },
        env: {
          ...config.env,
          PATH: `${bin}:${process.env.PATH ?? ''}`,
          DASHSCOPE_HTTP_BASE_URL: emu.baseURL,
        },
      });
      const result = await session.client.callTool({
        name: 'generate_talking_video',
        arguments: { image: IMAGE, audio: AUDIO },
      });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ status: 'SUCCEEDED', done: true });
      expect(session.stderr() + session.messages().join('\n')).not.toContain(config.env.DASHSCOPE_API_KEY);
      await session.client.close();
    } finally {
      await emu.close();
    }
  });
});

describe('starting', () => {
  it('tells the client how to use the tools together', async () => {
    const { client } = await connectMcp({ emu: await emulator() });
    expect(client.getInstructions()).toContain('wait_for_task');
    expect(client.getServerVersion()).toMatchObject({ name: 'liveportrait' });
  });

  it('takes --base-url like the other commands', async () => {
    const emu = await emulator();
    const { client } = await connectMcp({ args: ['--base-url', emu.baseURL] });
    const result = await client.callTool({ name: 'get_task', arguments: { task_id: 'no-such-task' } });
    expect(result.structuredContent).toMatchObject({ status: 'UNKNOWN' });
  });

  it('without a key: exits 3 at start, not at the first call', async () => {
    const result = await cli(['mcp'], { env: { DASHSCOPE_API_KEY: undefined } });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('no API key: set DASHSCOPE_API_KEY');
  });

  it('without the MCP SDK installed: exits 9 with one line saying what to install', async () => {
    // The built bin next to a node_modules holding every package of this repo but the MCP SDK.
    const dir = join(scratch, 'no-sdk');
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    for (const name of readdirSync('node_modules')) {
      if (name === '@modelcontextprotocol' || name.startsWith('.')) continue;
      symlinkSync(resolve('node_modules', name), join(dir, 'node_modules', name));
    }
    copyFileSync(CLI, join(dir, 'cli.js'));
    const run = spawnSync(process.execPath, [join(dir, 'cli.js'), 'mcp'], {
      env: { PATH: process.env.PATH ?? '', DASHSCOPE_API_KEY: KEY },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(run.status).toBe(9);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'liveportrait: the mcp command needs the MCP SDK: npm install @modelcontextprotocol/sdk ' +
        '(next to dashscope-liveportrait, or with -g if that is global)\n',
    );
  });

  it('mcp --help describes the server and an MCP client configuration', async () => {
    const result = await cli(['mcp', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: liveportrait mcp');
    expect(result.stdout).toContain('"command": "liveportrait", "args": ["mcp"]');
  });
});

describe('stopping', () => {
  it('exits 0 when the client closes stdin, having written nothing but protocol to stdout', async () => {
    // stdin is /dev/null: the client is gone as soon as the server starts.
    const result = await cli(['mcp'], { emu: await emulator() });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('liveportrait mcp: stopped (stdin closed)');
  });

  it('keeps serving after a call fails', async () => {
    const { client } = await connectMcp({ emu: await emulator() });
    const failed = await client.callTool({ name: 'get_task', arguments: { task_id: '' } });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toContain('must not be empty');
    expect((await client.listTools()).tools).toHaveLength(5);
  });
});
