// npm run soak: the fault harness (run.ts) for longer than the test suite runs it: every fault point an ingest
// passes, several runs with random seeds, more writers and rounds, bigger files. Prints the figures; exit 1 on any
// violated invariant.
//
//   npm run soak                        3 runs, random seeds
//   npm run soak -- --runs 5 --writers 8 --rows 2000 --seed 42
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';

process.env.STRATA_LOG_LEVEL ??= 'SILENT';
const { INGEST_KILL_POINTS, MAINTENANCE_KILL_POINTS, maintenanceInOrder, runHarness, shuffle } = await import('./run.ts');
const { prng } = await import('./data.ts');
type Round = import('./run.ts').Round;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    writers: { type: 'string', default: '6' },
    rows: { type: 'string', default: '1000' },
    seed: { type: 'string' },
    'same-base-name': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const rounds: Round[] = ['append', 'upsert', 'same-object', 'kill-during', 'append', 'kill-during', 'upsert', 'kill-during', ...(values['same-base-name'] ? ['same-base-name' as const] : [])];
const started = Date.now();
const total = { kills: 0, killed: 0, rounds: 0, writers: 0, checks: 0, rowsLost: 0, goldChecks: 0, goldMismatches: 0, doctorClean: 0, violations: [] as string[] };
const seeds: number[] = [];
console.log(`strata soak — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'})`);
for (let i = 0; i < runs; i++) {
  const seed = values.seed !== undefined ? Number(values.seed) + i : Math.floor(Math.random() * 2 ** 31);
  seeds.push(seed);
  // Every point, in an order of the seed's choosing, each once at its first pass and once at its second; the
  // maintenance kills in their own order, the rollback before gc (as npm test's harness run has them): gc with
  // retention 0 removes the versions the rollback would return to, so after it the rollback never reaches its point.
  const points = maintenanceInOrder(shuffle([...INGEST_KILL_POINTS, ...INGEST_KILL_POINTS.map((p) => `${p}@2`), ...MAINTENANCE_KILL_POINTS], prng(seed)));
  const f = await runHarness({ seed, kills: points, rounds, writers: Number(values.writers), rows: Number(values.rows) });
  console.log(`  run ${i + 1}/${runs}, seed ${seed}: ${f.kills} kills (${f.killed} killed), ${f.concurrentRounds} rounds of ${values.writers} writers, `
    + `${f.checks} checks, rows lost ${f.rowsLost}, gold ≠ its SQL ${f.goldMismatches} of ${f.goldChecks}, doctor clean after --repair: ${f.doctorCleanAfterRepair ? 'yes' : 'NO'} (${f.seconds} s)`);
  for (const v of f.violations) console.log(`    VIOLATED ${v}`);
  total.kills += f.kills; total.killed += f.killed; total.rounds += f.concurrentRounds; total.writers += f.writerProcesses; total.checks += f.checks;
  total.rowsLost += f.rowsLost; total.goldChecks += f.goldChecks; total.goldMismatches += f.goldMismatches; total.doctorClean += f.doctorCleanAfterRepair ? 1 : 0;
  total.violations.push(...f.violations);
}
console.log([
  `kills: ${total.kills} runs armed at ${INGEST_KILL_POINTS.length + MAINTENANCE_KILL_POINTS.length} fault points, ${total.killed} killed there (an @2 arming of a point a run passes once is not reached)`,
  `concurrent rounds: ${total.rounds} (${total.writers} writer processes)`,
  `invariant checks: ${total.checks} · rows lost: ${total.rowsLost} · gold equal to its SQL over silver: ${total.goldChecks - total.goldMismatches} of ${total.goldChecks}`,
  `strata doctor clean after --repair: ${total.doctorClean} of ${runs} runs · violations: ${total.violations.length}`,
  `seeds: ${seeds.join(', ')} · ${Math.round((Date.now() - started) / 1000)} s`,
].join('\n'));
process.exitCode = total.violations.length ? 1 : 0;
