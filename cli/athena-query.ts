// strata query --athena: the SQL a data engineer runs locally, run in the stage's Athena workgroup. Table names are
// the same as locally (silver.x, gold.x); they become the stage's Glue databases (strata_dev_gold.x) through the
// parser's offsets, exactly as gold SQL is translated (core/gold/athena.ts), so nothing else in the SQL changes.
import { AthenaClient } from '@aws-sdk/client-athena';
import { withDuck } from '../runtime/engine/duckdb.ts';
import { AthenaQueryRunner, type AthenaResult } from '../runtime/engine/athena.ts';
import { athenaTableNames } from '../core/gold/athena.ts';
import { parseSql } from '../core/gold/ast.ts';
import { physicalNames } from '../core/naming.ts';

export interface AthenaTarget {
  app: string;
  stage: string;
  /** Default: the stage's analysts' workgroup (strata-<stage>-analysts). */
  workgroup?: string;
}

/** silver.x / gold.x → the stage's Glue databases. SQL the parser cannot read is sent as written. */
export async function athenaSql(sql: string, target: AthenaTarget): Promise<string> {
  const names = physicalNames({ app: target.app, stage: target.stage });
  const parsed = await withDuck((db) => parseSql(db, sql), { memoryLimit: '128MB', threads: 1 });
  if ('error' in parsed) return sql;
  return athenaTableNames(sql, parsed.select, { databases: { silver: names.database('silver'), gold: names.database('gold') }, locationOf: (k) => k });
}

export async function queryAthena(sql: string, target: AthenaTarget, client = new AthenaClient({})): Promise<AthenaResult> {
  const workgroup = target.workgroup ?? physicalNames({ app: target.app, stage: target.stage }).workgroup('analysts');
  const runner = new AthenaQueryRunner({ client, workgroup });
  return runner.run(await athenaSql(sql, target));
}
