/**
 * `npm run soak`: the full seeded soak (500 jobs, 10% of responses faulted) and its one-line summary.
 * Options: `--jobs N`, `--seed N`, `--rate 0.1`. Exits 1 when anything was lost, duplicated, hung,
 * leaked or wrong, so CI can run it as is.
 */
import { parseArgs } from 'node:util';
import { runSoak, summaryLine } from './soak.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '500' },
    seed: { type: 'string', default: '20260101' },
    rate: { type: 'string', default: '0.1' },
  },
});

const started = performance.now();
const report = await runSoak({
  jobs: Number(values.jobs),
  seed: Number(values.seed),
  faultRate: Number(values.rate),
});
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(summaryLine(report));
console.log(
  `  seed ${values.seed}, ${report.faultsInjected} faults in ${report.requests} responses, ${report.submitsAccepted} submits accepted, ` +
    `${report.tasksCreated} tasks created (${report.unacknowledgedTasks} whose answer was lost), ${seconds} s`,
);
console.log(`  typed errors: ${JSON.stringify(report.errorsByClass)}`);
for (const line of report.wrong) console.log(`  WRONG ${line}`);
const clean = report.lost + report.duplicated + report.hung + report.leaked + report.wrong.length === 0;
process.exitCode = clean ? 0 : 1;
