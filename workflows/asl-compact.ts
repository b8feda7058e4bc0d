// A dataset's compaction state machine: one Task, the compact step, retried on transient errors only. Started by
// EventBridge Scheduler in AWS (stacks/compaction.ts) and by strata locally (workflows/compact-local.ts), with the
// input { dataset, runId, now } (locally also tables and policy overrides). Its own small state machine rather than
// a branch of the ingest one: ingest executions, their run records and their drawings stay what they were, and a
// compaction that fails raises its own alarm. Deterministic like workflows/asl.ts.
import type { DatasetPlan } from '../core/plan/compile.ts';
import { compactionTargets } from '../core/plan/compaction.ts';
import { stepSizing } from '../core/plan/sizing.ts';
import { resourceToken } from '../core/plan/steps.ts';
import { TRANSIENT_ERRORS } from './asl.ts';

export function renderCompactionAsl(plan: DatasetPlan): Record<string, unknown> {
  const tables = compactionTargets(plan).map((t) => `${t.layer}.${t.table}`);
  return {
    Comment: `strata: ${plan.dataset} compaction (${tables.length ? tables.join(', ') : 'tables named in the input'})`,
    StartAt: 'Compact',
    TimeoutSeconds: 3600,
    States: {
      Compact: {
        Type: 'Task',
        Resource: resourceToken('compact'),
        Comment: 'Rewrite partitions of many small files into files near the target size; each partition verified (rows, checksums) before its new version is published.',
        TimeoutSeconds: stepSizing(plan, 'compact').taskTimeoutSeconds,
        Retry: [{ ErrorEquals: TRANSIENT_ERRORS, IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' }],
        ResultPath: '$.compaction',
        End: true,
      },
    },
  };
}
