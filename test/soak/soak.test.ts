/** A small seed of the soak in every `npm test`; `npm run soak` runs the full 500 jobs. */
import { expect, it } from 'vitest';
import { runSoak, summaryLine } from './soak.js';

it('60 jobs with 10% of responses faulted: none lost, duplicated, hung or leaked, each outcome right', async () => {
  const report = await runSoak({ jobs: 60, seed: 8 });
  console.log(summaryLine(report));
  expect(report.wrong).toEqual([]);
  expect(report).toMatchObject({ jobs: 60, lost: 0, duplicated: 0, hung: 0, leaked: 0 });
  expect(report.succeeded + report.typedErrors).toBe(60);
  // The seed really did fault the run, including a submit whose answer was lost.
  expect(report.faultsInjected).toBeGreaterThan(10);
  expect(report.tasksCreated).toBe(report.submitsAccepted + report.unacknowledgedTasks);
});
