// What a large quality gate costs every command that loads the project: `strata check` (whole processes, as users
// run it) of a dataset with a silver gate of 1,000 rules with where clauses, against the same dataset without the
// gate, in the same run. strata check binds and runs each rule's own SQL over probe relations (core/quality/check.ts);
// one rule at a time that took about 4 ms a rule (3.6–4.2 s for 1,000, 2026-12-05), probed together far less.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FLIGHTS_SCHEMA, freshDir, interleave, line, timeProcess, wallMedian, type ProcessTime, type Row } from './lib.ts';

const NODE = process.execPath;

export async function benchCheck(log: (s: string) => void, runs = 5, rules = 1000): Promise<{ rules: number; withoutMs: number; withMs: number; perRuleMs: number }> {
  const cli = resolve('cli/strata.js');
  const dir = await freshDir('check');
  const where = ' where "distance > 100"';
  const halt = Array.from({ length: rules / 2 }, (_, i) => `ColumnValues "delay" >= -${i + 1}000${where}`);
  const warn = Array.from({ length: rules / 2 }, (_, i) => `ColumnValues "distance" between 0 and ${i + 5000}${where} with threshold > 0.5`);
  const project = async (name: string, extra: string) => {
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(join(dir, name, 'flights_bench.yaml'), `${FLIGHTS_SCHEMA}${extra}`);
    return join(dir, name);
  };
  const without = await project('without', '');
  const gated = await project('gated', `quality:\n  silver:\n    halt: ${JSON.stringify(halt)}\n    warn: ${JSON.stringify(warn)}\n`);
  const row = (label: string, schemas: string): Row & { run: () => Promise<ProcessTime> } => ({
    label, note: '', times: [], run: () => timeProcess(NODE, [cli, 'check', '--schemas', schemas, '--lake', join(dir, 'no-lake')]),
  });
  const a = row('the dataset without a gate', without);
  const b = row(`with a gate of ${rules.toLocaleString('en-US')} rules with where clauses`, gated);
  await interleave(runs, [a, b]);
  const median = wallMedian;
  const perRuleMs = (median(b) - median(a)) / rules;
  log(`  node cli/strata.js check, ${runs} interleaved runs (wall min/median/max; median CPU; peak RSS)`);
  log(line(a));
  log(line(b, `  → +${(median(b) - median(a)).toFixed(0)} ms, ${perRuleMs.toFixed(2)} ms a rule`));
  return { rules, withoutMs: median(a), withMs: median(b), perRuleMs };
}
