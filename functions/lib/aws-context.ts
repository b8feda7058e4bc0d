// The ports in Lambda: S3 storage, the Glue catalog, DuckDB sized for the function, and the plans compiled from the
// schema files bundled with the function (copyFiles in stacks/pipeline.ts) — the same files the deploy was built
// from. Built once per container, on the first invocation (importing this module needs no environment, so tests
// and the local executor can import every entry).
import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { GlueCatalog } from '../../runtime/catalog/glue.ts';
import { AthenaQueryRunner } from '../../runtime/engine/athena.ts';
import { metricRows } from '../../runtime/aws/athena-values.ts';
import { ERRORS, StrataError } from '../../core/errors.ts';
import { analyzeGold } from '../../core/gold/analyze.ts';
import { goldSet, planSet } from '../../core/plan/sets.ts';
import type { PipelineContext } from '../../runtime/pipeline/context.ts';
import { compile } from '../../core/plan/compile.ts';
import { loadProject } from '../../core/project.ts';
import { formatDiagnostic, hasErrors } from '../../core/schema/diagnostics.ts';
import { S3Storage } from '../../runtime/storage/s3.ts';
import type { ContextProvider } from './step.ts';

/** What the stacks put in every step's environment (stacks/pipeline.ts pipelineEnvironment). */
export interface AwsEnvironment {
  schemas: string;
  bronze: { bucket: string; prefix: string };
  lake: { bucket: string; prefix: string };
  databases: { silver: string; gold: string; quarantine: string };
  duckdbMemory?: string;
  /** DuckDB's max_temp_directory_size: the step's share of its /tmp (core/plan/sizing.ts duckdbTempMb). */
  duckdbMaxTempDirectorySize?: string;
  /** Set for the gold step of datasets feeding a gold table with `engine: athena`. */
  athenaWorkgroup?: string;
}

export function awsEnvironment(env: NodeJS.ProcessEnv = process.env): AwsEnvironment {
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new StrataError(ERRORS.Internal, `the function's environment lacks ${name} (set by the stacks; see stacks/pipeline.ts)`);
    return v;
  };
  return {
    schemas: env.STRATA_SCHEMAS ?? 'schemas',
    bronze: { bucket: need('STRATA_BRONZE_BUCKET'), prefix: env.STRATA_BRONZE_PREFIX ?? '' },
    lake: { bucket: need('STRATA_LAKE_BUCKET'), prefix: env.STRATA_LAKE_PREFIX ?? '' },
    databases: {
      silver: need('STRATA_GLUE_SILVER_DATABASE'), gold: need('STRATA_GLUE_GOLD_DATABASE'), quarantine: need('STRATA_GLUE_QUARANTINE_DATABASE'),
    },
    ...(env.STRATA_DUCKDB_MEMORY ? { duckdbMemory: env.STRATA_DUCKDB_MEMORY } : {}),
    ...(env.STRATA_DUCKDB_MAX_TEMP_DIRECTORY_SIZE ? { duckdbMaxTempDirectorySize: env.STRATA_DUCKDB_MAX_TEMP_DIRECTORY_SIZE } : {}),
    ...(env.STRATA_ATHENA_WORKGROUP ? { athenaWorkgroup: env.STRATA_ATHENA_WORKGROUP } : {}),
  };
}

/** Build the context from an environment and clients (tests pass mocked clients). */
export async function awsContext(env: AwsEnvironment, clients: { s3: S3Client; glue: GlueClient; athena?: AthenaClient }): Promise<PipelineContext> {
  const project = await loadProject(env.schemas);
  if (hasErrors(project.diagnostics)) {
    throw new StrataError(ERRORS.Internal, `the bundled schema files do not check: ${project.diagnostics.slice(0, 3).map(formatDiagnostic).join('; ')}`);
  }
  const plans = project.schemas.map((s) => compile(s.spec));
  const gold = plans.some((p) => p.gold.length) ? (await analyzeGold(plans)).plans : [];
  const storage = new S3Storage({ client: clients.s3, locations: { bronze: env.bronze, lake: env.lake } });
  const catalog = new GlueCatalog({ client: clients.glue, databases: env.databases, locationOf: (key) => storage.uri(key) });
  const athena = env.athenaWorkgroup
    ? new AthenaQueryRunner({ client: clients.athena ?? new AthenaClient({}), workgroup: env.athenaWorkgroup })
    : undefined;
  return {
    storage, catalog, plans: planSet(plans), gold: goldSet(gold),
    ...(env.duckdbMemory || env.duckdbMaxTempDirectorySize ? {
      duck: {
        ...(env.duckdbMemory ? { memoryLimit: env.duckdbMemory } : {}),
        ...(env.duckdbMaxTempDirectorySize ? { maxTempDirectorySize: env.duckdbMaxTempDirectorySize } : {}),
      },
    } : {}),
    ...(athena ? {
      athena: {
        run: async (sql: string) => (await athena.run(sql)).rows,
        metrics: async (sql: string) => metricRows(await athena.run(sql)),
        names: { databases: { silver: env.databases.silver, gold: env.databases.gold }, locationOf: (key: string) => storage.uri(key) },
      },
    } : {}),
  };
}

let cached: Promise<PipelineContext> | undefined;

/** The provider the Lambda entries use: one context per container, rebuilt if building it failed. */
export const lambdaContext: ContextProvider = () => {
  cached ??= awsContext(awsEnvironment(), { s3: new S3Client({}), glue: new GlueClient({}) }).catch((e) => {
    cached = undefined;
    throw e;
  });
  return cached;
};
