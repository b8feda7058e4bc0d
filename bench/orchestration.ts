// Issue 3 figure: what the local state machine (interpreter + middy handlers) adds to an ingest, against calling
// the same core steps one after the other. The direct path exists only here, as the baseline.
import { commitSilver } from '../runtime/pipeline/commit.ts';
import { recordSuccess } from '../runtime/pipeline/record.ts';
import { registerSilver } from '../runtime/pipeline/register.ts';
import { stage } from '../runtime/pipeline/stage.ts';
import { newRunId } from '../workflows/ingest-local.ts';
import { flightsCsv, flightsLake, fmt, timedIngest } from './lib.ts';

async function direct(file: string): Promise<number> {
  const { lake, key } = await flightsLake(file, 'orchestration');
  const t = performance.now();
  const now = new Date().toISOString();
  const input = { dataset: 'flights_bench', runId: newRunId(), source: { key }, now, startedAt: now };
  const s = await stage(lake.ctx, input);
  const commit = await commitSilver(lake.ctx, { runId: input.runId, now, stage: s });
  const register = await registerSilver(lake.ctx, { dataset: 'flights_bench' });
  await recordSuccess(lake.ctx, { ...input, stage: s, commit, register });
  return performance.now() - t;
}

async function viaStateMachine(file: string): Promise<number> {
  const { lake, key } = await flightsLake(file, 'orchestration');
  return timedIngest(lake, key);
}

export async function benchOrchestration(log: (s: string) => void, runs = 5): Promise<{ directMs: number; stateMachineMs: number; overhead: number }> {
  const file = await flightsCsv(1_000_000);
  const d: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < runs; i++) { d.push(await direct(file)); s.push(await viaStateMachine(file)); }
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const directMs = med(d);
  const stateMachineMs = med(s);
  const overhead = stateMachineMs / directMs - 1;
  log(`  1M rows: core steps called directly ${fmt(directMs)} · through the local state machine ${fmt(stateMachineMs)} → ${overhead >= 0 ? "+" : ""}${(overhead * 100).toFixed(1)}% (target ≤ 10%)`);
  return { directMs, stateMachineMs, overhead };
}
