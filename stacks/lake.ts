// The whole stage as data: every resource the schema files call for, shared ones first. A new schema file adds its
// tables, functions, roles, state machine, alarm and EventBridge rule here, with no other file to edit.
import { alertResources } from './alerts.ts';
import { analyticsResources } from './analytics.ts';
import { catalogResources } from './catalog.ts';
import { compactionResources } from './compaction.ts';
import type { StageConfig } from './config.ts';
import type { LakeModel } from './model.ts';
import { pipelineResources } from './pipeline.ts';
import { lakeRefs } from './refs.ts';
import type { ResourceSpec } from './resource.ts';
import { withRetention } from './retain.ts';
import { storageResources } from './storage.ts';
import { streamingResources } from './streaming.ts';
import { triggerResources } from './trigger.ts';

export function lakeResources(model: LakeModel, cfg: StageConfig): ResourceSpec[] {
  const refs = lakeRefs(cfg);
  const specs = [
    ...storageResources(refs),
    ...alertResources(refs),
    ...catalogResources(refs, model),
    ...analyticsResources(refs, model),
    ...model.plans.flatMap((p) => [...pipelineResources(refs, model, p), ...streamingResources(refs, p), ...compactionResources(refs, model, p)]
      .map((s) => ({ ...s, dataset: p.dataset }))),
    ...triggerResources(refs, model),
  ];
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) throw new Error(`two resources are named ${s.name} (datasets whose names differ only in underscores?)`);
    seen.add(s.name);
  }
  return withRetention(specs, cfg);
}
