/**
 * Two promises that nothing else would catch breaking: the `VERSION` the SDK reports (user agent,
 * `liveportrait --version`) is the version npm publishes, and the README opens with the two commands a
 * newcomer runs first, which CI (`.ci/run`) and the demo are built around.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';

const root = new URL('../../', import.meta.url);
const readme = new URL('README.md', root);

describe('VERSION', () => {
  it("equals package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});

describe.skipIf(!existsSync(readme))('README', () => {
  it('opens with `npm install && npm run demo`, then `npm test`', () => {
    const text = readFileSync(readme, 'utf8');
    const block = /^```[^\n]*\n([\s\S]*?)^```/m.exec(text);
    expect(block, 'README has no fenced code block').not.toBeNull();
    // "Opens with": the block comes before the first section heading.
    const firstSection = text.search(/^##\s/m);
    if (firstSection !== -1) expect(block!.index).toBeLessThan(firstSection);
    const commands = block![1]!
      .split('\n')
      .map((line) =>
        line
          .replace(/^\s*\$\s+/, '') // a shell prompt
          .replace(/\s+#.*$/, '') // a trailing comment
          .trim(),
      )
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(commands.slice(0, 2)).toEqual(['npm install && npm run demo', 'npm test']);
  });
});
