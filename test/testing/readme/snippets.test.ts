/**
 * Every code block of the README's "Testing your app" section is the region of a test file that runs
 * it: the block is preceded by `<!-- test: path -->`, and must equal that file's `// #region README`.
 * So a snippet cannot rot: changing either side without the other fails here. The TypeScript of the
 * "Vercel AI SDK" section is held the same way (its region is in examples/ai-sdk.ts, run by a test).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync('README.md', 'utf8');

/** A `## title` section of the README, its marked snippets, and the fences of all its code blocks. */
function sectionOf(title: string) {
  const start = readme.indexOf(`## ${title}`);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const marked = [...section.matchAll(/<!-- test: (\S+) -->\n```ts\n([\s\S]*?)\n```/g)].map(
    ([, path, code]) => ({ path: path as string, code: code as string }),
  );
  const fences = section.match(/^```(ts|js|sh|bash)?$/gm)?.filter((fence) => fence !== '```') ?? [];
  return { start, marked, fences };
}

function region(path: string): string {
  const text = readFileSync(path, 'utf8');
  const match = /\/\/ #region README\n([\s\S]*?)\n\/\/ #endregion/.exec(text);
  if (!match) throw new Error(`${path} has no // #region README … // #endregion`);
  return match[1] as string;
}

describe('README: Testing your app without the network', () => {
  const { start, marked, fences } = sectionOf('Testing your app without the network');

  it('has its snippets, each marked with the test that runs it', () => {
    expect(start).toBeGreaterThan(0);
    expect(marked.length).toBeGreaterThanOrEqual(3);
    expect(fences).toHaveLength(marked.length);
  });

  it.each(marked)('$path runs the snippet as written', ({ path, code }) => {
    expect(code).toBe(region(path));
  });
});

describe('README: Vercel AI SDK', () => {
  const { start, marked, fences } = sectionOf('Vercel AI SDK');

  it('marks its TypeScript with the file that holds it', () => {
    expect(start).toBeGreaterThan(0);
    expect(marked.map(({ path }) => path)).toEqual(['examples/ai-sdk.ts']);
    expect(fences.filter((fence) => fence !== '```sh')).toHaveLength(marked.length);
  });

  it.each(marked)('$path holds the snippet as written', ({ path, code }) => {
    expect(code).toBe(region(path));
  });
});
