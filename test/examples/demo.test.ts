import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Top-level box types of an ISO-BMFF (MP4) file, walked from its size/type headers. */
function mp4Boxes(bytes: Buffer): string[] {
  const boxes: string[] = [];
  for (let offset = 0; offset + 8 <= bytes.length; ) {
    const size = bytes.readUInt32BE(offset);
    boxes.push(bytes.toString('latin1', offset + 4, offset + 8));
    if (size < 8) break;
    offset += size;
  }
  return boxes;
}

function run(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, DASHSCOPE_API_KEY: '', DASHSCOPE_HTTP_BASE_URL: '' };
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo (the README first command)', () => {
  it('prints the job progress and writes a playable MP4, with no key and no network', async () => {
    const out = await mkdtemp(join(tmpdir(), 'liveportrait-demo-'));
    try {
      const { code, stdout, stderr } = await run(process.execPath, [
        'node_modules/tsx/dist/cli.mjs',
        'examples/demo.ts',
        '--out',
        out,
      ]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/submitted {2}task [0-9a-f-]{36}/);
      // Live progress: the job is seen before it ends, in lifecycle order. Which of PENDING (1.5 s) and
      // RUNNING (3 s) the polls catch depends on how fast the machine is, so either alone may be missed.
      const seen = [...stdout.matchAll(/^(PENDING|RUNNING|SUCCEEDED) +\d+\.\d s$/gm)].map((m) => m[1]);
      expect(['PENDING,RUNNING,SUCCEEDED', 'PENDING,SUCCEEDED', 'RUNNING,SUCCEEDED']).toContain(seen.join());
      const [file] = await readdir(out);
      expect(file).toMatch(/^[0-9a-f-]{36}\.mp4$/);
      const bytes = await readFile(join(out, file as string));
      expect(mp4Boxes(bytes)).toEqual(expect.arrayContaining(['ftyp', 'moov', 'mdat']));
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);
});
