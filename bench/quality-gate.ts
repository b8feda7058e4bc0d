// Issue 4, in the pipeline: what a silver gate of 10 rules adds to the ingest of a 1M-row file through the state
// machine (the quality step reads the staged Parquet, evaluates, writes metrics), against the same ingest with no
// rules, in the same run.
import { FLIGHTS_SCHEMA, flightsCsv, flightsLake, fmt, timedIngest } from './lib.ts';

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

async function ingestOnce(file: string, schema: string): Promise<number> {
  const { lake, key } = await flightsLake(file, 'quality-gate', schema);
  return timedIngest(lake, key);
}

export async function benchQualityGate(log: (s: string) => void, runs = 3): Promise<{ withoutMs: number; withMs: number; overhead: number }> {
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
  log(`  silver gate in the pipeline, 1M rows: ingest without rules ${fmt(withoutMs)} · with a 10-rule gate ${fmt(withMs)} → ${overhead >= 0 ? "+" : ""}${(overhead * 100).toFixed(1)}%`);
  return { withoutMs, withMs, overhead };
}
