// The strata command in-process: the same run functions cli/main.ts dispatches to, with stdout captured.
import { query } from '../../cli/commands/query.ts';
import { out as output } from '../../cli/output.ts';
import type { Command, GlobalOptions } from '../../cli/command.ts';

/** Run a command's run function with its output captured; returns the exit code and what it printed. */
export async function runCommand(command: Command, global: Partial<GlobalOptions>, positionals: string[], values: Record<string, unknown> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { err.push(String(chunk)); return true; }) as typeof process.stderr.write;
  const json = output.json;
  output.json = global.json ?? false; // what cli/main.ts sets from --json
  try {
    const code = await command.run({ positionals, values, global: { json: false, verbose: false, ...global } });
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
    output.json = json;
  }
}

/** `strata query --lake <lake> --format <format> "<sql>"`: what it prints. */
export async function strataQuery(lake: string, sql: string, format: 'table' | 'csv' | 'json'): Promise<string> {
  const r = await runCommand(query, { lake }, [sql], { format });
  if (r.code !== 0) throw new Error(`strata query failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}
