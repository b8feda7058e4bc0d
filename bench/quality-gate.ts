// Issue 4, in the pipeline: what a silver gate of 10 rules adds to the ingest of a 1M-row file through the state
// machine (the quality step reads the staged Parquet, evaluates, writes metrics), against the same ingest with no
// rules, in the same run.
import { FLIGHTS_SCHEMA, flightsCsv, flightsLake, fmt, spread, timedIngest } from './lib.ts';

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

async function ingestOnce(file: string, schema: string): Promise<number> {
  const { lake, key } = await flightsLake(file, 'quality-gate', schema);
  return timedIngest(lake, key);
}

export async function benchQualityGate(log: (s: string) => void, runs = 5): Promise<{ withoutMs: number; withMs: number; overhead: number }> {
  const file = await flightsCsv(1_000_000);
  const without: number[] = [];
  const gated: number[] = [];
  for (let i = 0; i < runs; i++) {
    without.push(await ingestOnce(file, FLIGHTS_SCHEMA));
    gated.push(await ingestOnce(file, FLIGHTS_SCHEMA + GATE));
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
  log(`  target: a 10-rule silver gate adds ≤ +15% to a 1M-row ingest: ${pct(overhead)} → ${overhead <= GATE_TARGET ? 'met' : 'not met'}`);
  return { withoutMs, withMs, overhead };
}
