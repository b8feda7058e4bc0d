// strata docs: the data docs, a static site built from the schema files and the lake — overview, lineage, a page
// per dataset and gold table, runs, quality dashboard. Locally from the lake folder; with --stage from the deployed
// lake bucket (run records, metrics and manifests read through the S3 storage adapter, nothing written there).
// The pages open from disk or from any private S3 prefix: no server, no request leaves them.
import { resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { GoldPlan } from '../../core/gold/analyze.ts';
import type { DatasetPlan } from '../../core/plan/compile.ts';
import { ERRORS, StrataError } from '../../core/errors.ts';
import { buildDocsModel } from '../../runtime/docs/build.ts';
import { gatherLake } from '../../runtime/docs/gather.ts';
import type { DocsModel } from '../../runtime/docs/model.ts';
import type { Storage } from '../../runtime/storage/port.ts';
import { S3Storage } from '../../runtime/storage/s3.ts';
import { bytes } from '../../site/format.ts';
import { renderSite } from '../../site/render.ts';
import { aslGraph } from '../../workflows/asl-graph.ts';
import { renderAsl } from '../../workflows/asl.ts';
import { goldTablesFor } from '../../workflows/gold-order.ts';
import type { Command, GlobalOptions } from '../command.ts';
import { writeSite, type Written } from '../docs-files.ts';
import { openLake } from '../lake-options.ts';
import { out } from '../output.ts';
import { stageBucket } from '../stage-buckets.ts';
import { awsSetupHint } from './query.ts';

export const DEFAULT_DOCS_DIR = '.strata/docs';

export interface StageTarget {
  app: string;
  stage: string;
  /** Lake bucket; default: the stage's, found by its name prefix. */
  bucket?: string;
  bronzeBucket?: string;
  /** Key prefix of the lake inside its bucket (STRATA_LAKE_PREFIX of the deploy; default none). */
  prefix?: string;
}

export interface DocsOptions {
  global: GlobalOptions;
  out: string;
  stage?: StageTarget;
  /** The clock ages are measured against (default: now). */
  now?: Date;
  /** S3 client for --stage (tests pass one behind aws-sdk-client-mock). */
  s3?: S3Client;
}

/** Gather, model, render, write. Returns the model and what was written. */
export async function buildDocs(opts: DocsOptions): Promise<{ model: DocsModel; written: Written }> {
  const lake = await openLake(opts.global);
  const storage = opts.stage ? await stageStorage(opts.stage, opts.s3 ?? new S3Client({ followRegionRedirects: true })) : lake.storage;
  const model = await docsModel(storage, lake.plans, lake.gold, opts.now ?? new Date());
  const written = await writeSite(opts.out, await renderSite(model));
  return { model, written };
}

export async function docsModel(storage: Storage, plans: readonly DatasetPlan[], gold: readonly GoldPlan[], now: Date): Promise<DocsModel> {
  const stateMachines = Object.fromEntries(plans.map((p) => [p.dataset, aslGraph(renderAsl(p, { goldTables: goldTablesFor(gold, p.dataset) }))]));
  const facts = await gatherLake(storage, { datasets: plans.map((p) => p.dataset), gold: gold.map((g) => g.table) });
  return buildDocsModel({ plans, gold, facts, stateMachines, now });
}

async function stageStorage(t: StageTarget, client: S3Client): Promise<S3Storage> {
  const naming = { app: t.app, stage: t.stage };
  const lake = t.bucket ?? await stageBucket(client, naming, 'lake');
  const bronze = t.bronzeBucket ?? await stageBucket(client, naming, 'bronze');
  return new S3Storage({ client, locations: { lake: { bucket: lake, prefix: t.prefix ?? '' }, bronze: { bucket: bronze, prefix: '' } } });
}

export const docs: Command = {
  usage: 'strata docs [--out .strata/docs] [--now <ISO time>] [--stage <stage> [--app strata] [--bucket <lake bucket>] [--bronze-bucket <bucket>] [--prefix <lake prefix>]]',
  options: {
    out: { type: 'string', description: `folder to write the site into (default ${DEFAULT_DOCS_DIR}, or ${DEFAULT_DOCS_DIR}-<stage> with --stage)` },
    now: { type: 'string', description: 'the time ages are measured against (ISO 8601; default now)' },
    stage: { type: 'string', description: 'read the deployed stage\'s lake bucket (your AWS credentials) instead of the local lake' },
    app: { type: 'string', description: 'with --stage: the SST app name (default strata)' },
    bucket: { type: 'string', description: 'with --stage: the lake bucket (default: the stage\'s, found by name)' },
    'bronze-bucket': { type: 'string', description: 'with --stage: the bronze bucket (default: the stage\'s, found by name)' },
    prefix: { type: 'string', description: 'with --stage: the lake\'s key prefix in its bucket (default none)' },
  },
  async run({ values, global }) {
    const str = (k: string) => (typeof values[k] === 'string' ? values[k] as string : undefined);
    const stageName = str('stage');
    for (const k of ['app', 'bucket', 'bronze-bucket', 'prefix']) {
      if (str(k) !== undefined && !stageName) throw new StrataError(ERRORS.InvalidInput, `--${k} goes with --stage <stage>`);
    }
    const now = str('now') === undefined ? new Date() : new Date(str('now')!);
    if (Number.isNaN(now.getTime())) throw new StrataError(ERRORS.InvalidInput, `--now must be an ISO 8601 time, not "${str('now')}"`);
    const dir = resolve(str('out') ?? (stageName ? `${DEFAULT_DOCS_DIR}-${stageName}` : DEFAULT_DOCS_DIR));
    const stage: StageTarget | undefined = stageName ? {
      app: str('app') ?? 'strata', stage: stageName,
      ...(str('bucket') ? { bucket: str('bucket')! } : {}), ...(str('bronze-bucket') ? { bronzeBucket: str('bronze-bucket')! } : {}),
      ...(str('prefix') ? { prefix: str('prefix')! } : {}),
    } : undefined;
    // No region or credentials for --stage: said with the way out ("error: Region is missing" alone, where query
    // --athena said what to set: newcomer's trial, stop 57).
    const { model, written } = await buildDocs({ global, out: dir, now, ...(stage ? { stage } : {}) }).catch((e: unknown) => {
      const hint = stage ? awsSetupHint(e, 'strata docs') : undefined;
      throw hint ? new StrataError(ERRORS.InvalidInput, `reading stage ${stage!.stage}: ${(e as Error).message}: ${hint}`) : e;
    });
    const summary = [
      `strata docs: ${written.pages} pages from ${model.lake.uri} (${model.datasets.length} datasets, ${model.gold.length} gold tables, ${model.runs.length} runs)`,
      `  ${written.files} files, ${bytes(written.bytes)} in ${dir}${written.removed ? ` (${written.removed} no longer needed were removed)` : ''}`,
      `  open: ${dir}/index.html`,
      ...(stage ? [`  upload to a private prefix only, e.g.: aws s3 sync ${dir} s3://<private bucket>/strata-docs/ --delete`] : []),
      ...(model.attention.length ? [`  needs attention: ${model.attention.length} (see the overview)`] : []),
    ];
    out.result(summary.join('\n'), { dir, pages: written.pages, files: written.files, bytes: written.bytes, attention: model.attention });
    return 0;
  },
};
