#!/usr/bin/env node
// The `strata` command. Runs on the project's pinned Node 24 (npm/npx put node_modules/.bin first on PATH).
// A dependency of @middy/validator still imports the deprecated `punycode` builtin; that warning is not ours to
// show to data engineers, every other warning still prints.
const emit = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const code = typeof rest[0] === 'object' && rest[0] ? (rest[0] as { code?: string }).code : rest[1];
  if (code === 'DEP0040') return;
  (emit as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
process.env.STRATA_LOG_LEVEL ??= process.argv.includes('--verbose') ? 'INFO' : 'SILENT';

const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
