// Issue 4, in the pipeline: what a silver gate of 10 rules adds to the ingest of a 1M-row file through the state
// machine (the quality step reads the staged Parquet, evaluates, writes metrics), against the same ingest with no
// rules, in the same run.
import { ingestKey } from '../workflows/ingest-local.ts';
import { FLIGHTS_SCHEMA, flightsCsv, flightsLake, fmt, spread } from './lib.ts';

const GATE = `quality:
  silver:
    halt:
      - RowCount > 0
      - IsComplete "date"
      - ColumnValues "distance" >= 0
      - ColumnLength "origin" = 3
    warn:
      - Completeness "delay" > 0.9
      - Mean "delay" between -60 and 120
      - StandardDeviation "delay" < 200
      - DistinctValuesCount "origin" > 10
      - Uniqueness "origin" "destination" "date" > 0.5
      - RowCount > avg(last(3)) * 0.5
`;

/** Issue 14: what a 10-rule silver gate may add to the ingest, as a fraction. */
export const GATE_TARGET = 0.15;

/** One ingest: its wall time, and that of its SilverQuality state (0 without rules), from the execution's events. */
async function ingestOnce(file: string, schema: string): Promise<{ ms: number; cpuMs: number; qualityMs: number }> {
  const { lake, key } = await flightsLake(file, 'quality-gate', schema);
  const c = process.cpuUsage();
  const t = performance.now();
  const { record } = await ingestKey(lake, 'flights_bench', key);
  const ms = performance.now() - t;
  const d = process.cpuUsage(c);
  if (record.status !== 'SUCCEEDED') throw new Error(record.error?.message);
  const at = (type: string) => Date.parse(record.execution?.events?.find((e) => e.type === type && e.state === 'SilverQuality')?.at ?? '');
  const qualityMs = at('StateExited') - at('StateEntered');
  return { ms, cpuMs: (d.user + d.system) / 1000, qualityMs: Number.isFinite(qualityMs) ? qualityMs : 0 };
}

export async function benchQualityGate(log: (s: string) => void, runs = 5): Promise<{ withoutMs: number; withMs: number; overhead: number }> {
  const file = await flightsCsv(1_000_000);
  const without: number[] = [];
  const gated: number[] = [];
  const step: number[] = [];
  const cpu: Array<[number, number]> = [];
  for (let i = 0; i < runs; i++) {
    const w = await ingestOnce(file, FLIGHTS_SCHEMA);
    const g = await ingestOnce(file, FLIGHTS_SCHEMA + GATE);
    without.push(w.ms);
    gated.push(g.ms);
    step.push(g.qualityMs);
    cpu.push([w.cpuMs, g.cpuMs]);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const withoutMs = med(without);
  const withMs = med(gated);
  const overhead = withMs / withoutMs - 1;
  // Each pair ran back to back: the spread of the pairs' overheads says how much the machine's drift weighs.
  const pairs = spread(gated.map((g, i) => g / without[i]! - 1));
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  log(`  silver gate in the pipeline, 1M rows: ingest without rules ${fmt(withoutMs)} · with a 10-rule gate ${fmt(withMs)} → ${pct(overhead)}`
    + ` (pairs ${pct(pairs.min)}/${pct(pairs.median)}/${pct(pairs.max)} min/median/max of ${runs})`);
  // The ingest runs in this process (DuckDB's threads too): its CPU time is steadier than wall time on a shared machine.
  const cpuWithout = med(cpu.map(([w]) => w));
  const cpuWith = med(cpu.map(([, g]) => g));
  log(`  CPU time of the ingest (this process): without rules ${fmt(cpuWithout)} · with the gate ${fmt(cpuWith)} → ${pct(cpuWith / cpuWithout - 1)}`);
  log(`  the gate's own state (SilverQuality: read the staged Parquet, 10 rules, metrics and results written) ${fmt(med(step))} median = ${pct(med(step) / withoutMs)} of the ingest without rules`);
  log(`  target: a 10-rule silver gate adds ≤ +15% to a 1M-row ingest: ${pct(overhead)} → ${overhead <= GATE_TARGET ? 'met' : 'not met'}`);
  return { withoutMs, withMs, overhead };
}
