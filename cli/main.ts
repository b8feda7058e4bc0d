// Argument parsing and dispatch. Each command lives in cli/commands/<name>.ts and returns an exit code.
import { isStrataError } from '../core/errors.ts';
import { closest } from '../core/schema/diagnostics.ts';
import { parseCommandArgs } from './args.ts';
import type { Command, GlobalOptions } from './command.ts';
import { out, UsageError } from './output.ts';

const GLOBAL = {
  lake: { type: 'string' as const, description: 'local lake folder (default .strata/lake, or STRATA_LAKE)' },
  schemas: { type: 'string' as const, description: 'schema folder (default schemas/)' },
  json: { type: 'boolean' as const, description: 'machine-readable JSON on stdout' },
  verbose: { type: 'boolean' as const, description: 'log every step (structured JSON logs)' },
  help: { type: 'boolean' as const, short: 'h', description: 'show help' },
};

const COMMANDS: Record<string, () => Promise<Command>> = {
  check: async () => (await import('./commands/check.ts')).check,
  init: async () => (await import('./commands/init.ts')).init,
  ingest: async () => (await import('./commands/ingest.ts')).ingest,
  put: async () => (await import('./commands/put.ts')).put,
  query: async () => (await import('./commands/query.ts')).query,
  runs: async () => (await import('./commands/runs.ts')).runs,
  plan: async () => (await import('./commands/plan.ts')).plan,
  dev: async () => (await import('./commands/dev.ts')).dev,
  demo: async () => (await import('./commands/demo.ts')).demo,
  refresh: async () => (await import('./commands/refresh.ts')).refresh,
  rollback: async () => (await import('./commands/rollback.ts')).rollback,
  gc: async () => (await import('./commands/gc.ts')).gc,
  compact: async () => (await import('./commands/compact.ts')).compact,
  docs: async () => (await import('./commands/docs.ts')).docs,
  doctor: async () => (await import('./commands/doctor.ts')).doctor,
};

export async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await printHelp();
    return name ? 0 : 1;
  }
  // --json shapes even the errors found before the command runs (an unknown command or option).
  out.json = argv.includes('--json');
  const load = COMMANDS[name];
  if (!load) {
    const guess = closest(name, Object.keys(COMMANDS));
    return failed(new UsageError(`unknown command "${name}"${guess ? `: did you mean "${guess}"?` : ''}`, 'run strata --help'), false);
  }
  const cmd = await load();
  let parsed;
  try {
    parsed = parseCommandArgs(name, argv.slice(1), { ...GLOBAL, ...(cmd.options ?? {}) }, cmd.usage);
  } catch (e) {
    return failed(e, false);
  }
  const v = parsed.values;
  if (v.help) {
    printCommandHelp(name, cmd);
    return 0;
  }
  const global: GlobalOptions = {
    ...(typeof v.lake === 'string' ? { lake: v.lake } : {}),
    ...(typeof v.schemas === 'string' ? { schemas: v.schemas } : {}),
    json: v.json === true,
    verbose: v.verbose === true,
  };
  out.json = global.json;
  try {
    return await cmd.run({ positionals: parsed.positionals, values: v, global });
  } catch (e) {
    return failed(e, global.verbose);
  }
}

/**
 * Report a failure and return its exit code: 2 for a wrong command line (UsageError), 1 otherwise. Bad input gets a
 * clear message, never a stack trace (--verbose shows it); with --json, a JSON object on stdout (out.fail).
 */
function failed(e: unknown, verbose: boolean): number {
  if (e instanceof UsageError) {
    out.fail({ name: e.name, message: e.message, ...(e.hint ? { hint: e.hint } : {}) }, e.message);
    return 2;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const hint = (err as { hint?: unknown }).hint;
  if (isStrataError(err)) out.fail({ name: err.name, message: err.message, ...(typeof hint === 'string' ? { hint } : {}) });
  else out.fail({ name: 'Error', message: err.message }, `error: ${err.message}`);
  if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
  return 1;
}

async function printHelp(): Promise<void> {
  const lines = ['strata: declarative data lakes, local on DuckDB, deployed to AWS', '', 'usage: strata <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const c = await load();
    lines.push(`  ${name.padEnd(8)} ${c.summary}`);
  }
  lines.push('', 'options for every command:');
  for (const [k, o] of Object.entries(GLOBAL)) lines.push(`  --${k.padEnd(10)} ${o.description}`);
  lines.push('', 'strata <command> --help shows the command\'s own options.');
  process.stdout.write(`${lines.join('\n')}\n`);
}

function printCommandHelp(name: string, cmd: Command): void {
  const lines = [`strata ${name}: ${cmd.summary}`, '', `usage: ${cmd.usage}`];
  // A command may say what a global option means for it (demo's --lake has its own default).
  const opts = { ...(cmd.options ?? {}), ...Object.fromEntries(Object.entries(GLOBAL).filter(([k]) => !cmd.options?.[k])) };
  lines.push('', 'options:');
  for (const [k, o] of Object.entries(opts)) lines.push(`  --${k.padEnd(14)} ${o.description}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
