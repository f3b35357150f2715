/**
 * image-size and music-metadata load on first use only, and the CJS build keeps `import()` for the
 * ESM-only music-metadata (a `require()` there would break on Node versions without require(esm)).
 * Runs against dist/ when it has been built (`npm run build`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cjs = fileURLToPath(new URL('../../dist/index.cjs', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/media/', import.meta.url));

describe.skipIf(!existsSync(cjs))('the CJS build', () => {
  it('loads the media parsers with import(), never require()', () => {
    const code = readFileSync(cjs, 'utf8');
    expect(code).not.toMatch(/require\(["'](music-metadata|image-size)["']\)/);
    expect(code).toContain('import("music-metadata")');
  });

  it('does not load them at require time, and inspects media from CommonJS', () => {
    const script = `
      const sdk = require(${JSON.stringify(cjs)});
      const loaded = Object.keys(require.cache).filter((k) => /music-metadata|image-size/.test(k));
      const client = new sdk.LivePortraitClient({ apiKey: 'sk-x' });
      client.inspectMedia({ imageUrl: ${JSON.stringify(`${fixtures}face.webp`)}, audioUrl: ${JSON.stringify(`${fixtures}voice-vbr.mp3`)} })
        .then((r) => console.log(JSON.stringify({ loaded, format: r.audio.format })));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
    expect(out).toEqual({ loaded: [], format: 'mp3' });
  });
});
