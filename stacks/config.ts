// What one stage is deployed with: app, stage and the few settings an operator chooses at deploy time (environment
// variables, so `sst deploy` needs no other file). Everything else follows from the schema files.

export interface StageConfig {
  app: string;
  stage: string;
  /** Production keeps its data when the stage is removed and keeps KMS keys recoverable longer. */
  production: boolean;
  /** Bytes one analyst query may scan before Athena cancels it (STRATA_ATHENA_BYTES_PER_QUERY, default 10 GiB). */
  athenaBytesPerQuery: number;
  /** Where alarms are mailed (STRATA_ALERT_EMAIL; a subscription the recipient confirms). Optional. */
  alertEmail?: string;
  /** CloudWatch Logs retention of functions and state machines. */
  logRetentionDays: number;
}

export const PRODUCTION_STAGES = ['production', 'prod'];

export function isProduction(stage: string): boolean {
  return PRODUCTION_STAGES.includes(stage);
}

/** Athena's smallest allowed cutoff is 10 MB. */
export const MIN_ATHENA_BYTES = 10 * 1024 * 1024;

export function stageConfig(app: string, stage: string, env: Record<string, string | undefined> = {}): StageConfig {
  const bytes = env.STRATA_ATHENA_BYTES_PER_QUERY ? Number(env.STRATA_ATHENA_BYTES_PER_QUERY) : 10 * 1024 ** 3;
  if (!Number.isInteger(bytes) || bytes < MIN_ATHENA_BYTES) {
    throw new Error(`STRATA_ATHENA_BYTES_PER_QUERY must be a whole number of bytes ≥ ${MIN_ATHENA_BYTES} (Athena's minimum), not ${env.STRATA_ATHENA_BYTES_PER_QUERY}`);
  }
  return {
    app,
    stage,
    production: isProduction(stage),
    athenaBytesPerQuery: bytes,
    ...(env.STRATA_ALERT_EMAIL ? { alertEmail: env.STRATA_ALERT_EMAIL } : {}),
    logRetentionDays: isProduction(stage) ? 365 : 30,
  };
}
