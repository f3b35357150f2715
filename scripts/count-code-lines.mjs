#!/usr/bin/env node
// Code lines of the given files or directories (.ts): lines that are neither blank nor comments
// (`//` lines and `/* … */` blocks, TSDoc included). `node scripts/count-code-lines.mjs src/wait.ts src/polling`
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const files = (path) =>
  statSync(path).isDirectory()
    ? readdirSync(path).flatMap((name) => files(join(path, name)))
    : path.endsWith('.ts')
      ? [path]
      : [];

function codeLines(text) {
  let count = 0;
  let inBlock = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (inBlock) {
      if (line.includes('*/')) inBlock = false;
      continue;
    }
    if (line === '' || line.startsWith('//')) continue;
    if (line.startsWith('/*')) {
      if (!line.includes('*/')) inBlock = true;
      continue;
    }
    count++;
  }
  return count;
}

let total = 0;
for (const file of process.argv.slice(2).flatMap(files)) {
  const lines = codeLines(readFileSync(file, 'utf8'));
  total += lines;
  console.log(`${String(lines).padStart(5)}  ${file}`);
}
console.log(`${String(total).padStart(5)}  total`);
