// Opening the local lake for a command: schema errors stop the command with the same messages as strata check.
import { formatDiagnostic, hasErrors } from '../core/schema/diagnostics.ts';
import { StrataError } from '../core/errors.ts';
import { openLocalLake, type LocalLake } from '../workflows/lake.ts';
import type { GlobalOptions } from './command.ts';

export async function openLake(global: GlobalOptions): Promise<LocalLake> {
  const lake = await openLocalLake({ ...(global.lake ? { lake: global.lake } : {}), ...(global.schemas ? { schemas: global.schemas } : {}) });
  if (hasErrors(lake.project.diagnostics)) {
    throw new StrataError('Strata.InvalidInput', `the schemas have errors (run strata check):\n${lake.project.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n')}`);
  }
  return lake;
}
