/** Prints the matrix table and its notes, to paste into docs/RELIABILITY.md: `npx tsx test/reliability/print-matrix.ts`. */
import { renderMatrix, renderNotes } from './matrix.js';

console.log(`${renderMatrix()}\n\n${renderNotes()}`);
