// Argument parsing and dispatch. Each command lives in cli/commands/<name>.ts and returns an exit code.
import { readFileSync } from 'node:fs';
import { findPackageJSON } from 'node:module';
import { isStrataError } from '../core/errors.ts';
import { closest } from '../core/schema/diagnostics.ts';
import { parseCommandArgs } from './args.ts';
import type { Command, GlobalOptions } from './command.ts';
import { out, UsageError } from './output.ts';

export const GLOBAL = {
  lake: { type: 'string' as const, description: 'local lake folder (default .strata/lake, or STRATA_LAKE)' },
  schemas: { type: 'string' as const, description: 'schema folder (default schemas/)' },
  json: { type: 'boolean' as const, description: 'machine-readable JSON on stdout' },
  verbose: { type: 'boolean' as const, description: 'log every step (structured JSON logs)' },
  help: { type: 'boolean' as const, short: 'h', description: 'show help' },
};

// Summaries live here, not in the command modules, so that `strata --help` loads none of them (nor DuckDB, the AWS
// SDK, the interpreter): a command's module is imported only when that command runs.
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  check: { summary: 'validate all schema files (file:line: message and a fix for each problem)', load: async () => (await import('./commands/check.ts')).check },
  init: { summary: 'draft a schema file from a sample (types, required, from: names, a partition)', load: async () => (await import('./commands/init.ts')).init },
  ingest: { summary: 'put files into local bronze and run the pipeline on each (exit 1 if any run fails)', load: async () => (await import('./commands/ingest.ts')).ingest },
  put: { summary: 'stream JSON records into a dataset as Firehose would (objects in bronze, each run through the pipeline)', load: async () => (await import('./commands/put.ts')).put },
  query: { summary: 'run SQL over the lake: silver.<dataset>, gold.<table>, quarantine.<dataset>, strata.runs', load: async () => (await import('./commands/query.ts')).query },
  runs: { summary: 'list runs (newest first), or show one run: path taken, time per state, retries, errors', load: async () => (await import('./commands/runs.ts')).runs },
  plan: { summary: 'print what a schema compiles to: the plan (default), --sql, or --asl (the state machine)', load: async () => (await import('./commands/plan.ts')).plan },
  dev: { summary: 'watch local bronze/<dataset>/ folders and ingest every file that lands there (Ctrl-C stops)', load: async () => (await import('./commands/dev.ts')).dev },
  demo: { summary: 'build a demo lake from public sample data, run the pipelines, print a query', load: async () => (await import('./commands/demo.ts')).demo },
  refresh: { summary: 'recompute a gold table from silver (every partition), then publish it and the gold tables that read it', load: async () => (await import('./commands/refresh.ts')).refresh },
  rollback: { summary: 'point a silver or gold table back at the versions a run left (within the retention window)', load: async () => (await import('./commands/rollback.ts')).rollback },
  gc: { summary: 'delete replaced partition versions past their retention, orphaned folders and old staging', load: async () => (await import('./commands/gc.ts')).gc },
  compact: { summary: 'rewrite partitions of many small files into files near the target size (same rows, a new version)', load: async () => (await import('./commands/compact.ts')).compact },
  docs: { summary: 'build the data docs: a static site of lineage, tables, runs and quality dashboards', load: async () => (await import('./commands/docs.ts')).docs },
  doctor: { summary: 'check the lake (manifests, files, catalog, gold, run records, locks) and say what is wrong and the way back', load: async () => (await import('./commands/doctor.ts')).doctor },
};

export async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    printHelp();
    return name ? 0 : 1;
  }
  if (name === '--version') {
    // The project's package.json, found the same way from cli/ and from the compiled CLI's dist/.
    const pkg = JSON.parse(readFileSync(findPackageJSON(import.meta.url)!, 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  // --json shapes even the errors found before the command runs (an unknown command or option).
  out.json = argv.includes('--json');
  const entry = COMMANDS[name];
  if (!entry) {
    const guess = closest(name, Object.keys(COMMANDS));
    return failed(new UsageError(`unknown command "${name}"${guess ? `: did you mean "${guess}"?` : ''}`, 'run strata --help'), false);
  }
  const cmd = await entry.load();
  let parsed;
  try {
    parsed = parseCommandArgs(name, argv.slice(1), { ...GLOBAL, ...(cmd.options ?? {}) }, cmd.usage);
  } catch (e) {
    return failed(e, false);
  }
  const v = parsed.values;
  if (v.help) {
    printCommandHelp(name, entry.summary, cmd);
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
  else {
    // A system's failure no step put into words (a full disk, a dropped connection, in a command's own work: a
    // rollback's gold, a refresh's files): the way back with it, not the system's words alone (an attack, stop 57).
    const way = systemWayBack((err as { code?: unknown }).code);
    out.fail({ name: 'Error', message: err.message, ...(way ? { hint: way } : {}) }, `error: ${err.message}`);
  }
  // The stack's frames: its first lines repeat the message just printed.
  if (verbose && err.stack) process.stderr.write(`${err.stack.replace(`${err.name}: ${err.message}\n`, '')}\n`);
  return 1;
}

function printHelp(): void {
  const lines = ['strata: declarative data lakes, local on DuckDB, deployed to AWS', '', 'usage: strata <command> [options]', '', 'commands:'];
  for (const [name, { summary }] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(8)} ${summary}`);
  lines.push('', 'options for every command:');
  for (const [k, o] of Object.entries(GLOBAL)) lines.push(`  --${k.padEnd(10)} ${o.description}`);
  lines.push('', 'strata <command> --help shows the command\'s own options; strata --version, the version.');
  process.stdout.write(`${lines.join('\n')}\n`);
}

function printCommandHelp(name: string, summary: string, cmd: Command): void {
  const lines = [`strata ${name}: ${summary}`, '', `usage: ${cmd.usage}`];
  // A command may say what a global option means for it (demo's --lake has its own default).
  const opts = { ...(cmd.options ?? {}), ...Object.fromEntries(Object.entries(GLOBAL).filter(([k]) => !cmd.options?.[k])) };
  lines.push('', 'options:');
  for (const [k, o] of Object.entries(opts)) lines.push(`  --${k.padEnd(14)} ${o.description}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The way back from a system error a command did not put into words, by its code (Node's): undefined for others.
 * What the command did before it is in the lake's manifests, all or nothing per table; strata doctor says what is
 * behind, and its repair brings the catalog and gold up to date.
 */
export function systemWayBack(code: unknown): string | undefined {
  const after = 'strata doctor shows what the command left behind, and strata doctor --repair brings the catalog and gold up to date';
  if (code === 'ENOSPC' || code === 'EDQUOT') return `the disk is full: free space on the file system of the lake (or of the system's temporary folder), then run the command again; ${after}`;
  if (['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND'].includes(String(code))) return `a connection failed (${String(code)}): run the command again; ${after}`;
  return undefined;
}
