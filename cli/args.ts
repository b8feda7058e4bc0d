// A command's arguments: node:util parseArgs, with its errors said in strata's words (UsageError, exit 2).
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { closest } from '../core/schema/diagnostics.ts';
import { UsageError } from './output.ts';

type Options = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/**
 * Parse `args` (what follows the command name) against `options`. A value that starts with "-" but is a number
 * (`--retention-days -3`) is that option's value, as a person means it, not another option. Unknown options, a
 * missing value and a stray value become a UsageError naming the option, with a did-you-mean and `usage` as the hint.
 */
export function parseCommandArgs(command: string, args: string[], options: Options, usage: string): { values: Record<string, unknown>; positionals: string[] } {
  const joined: string[] = [];
  // An argument that starts with "-" but holds a space or a line end is no option (no option's name does): SQL that
  // begins with a comment (strata query "-- count\nselect 1" was "strata query has no option --"). Held aside for
  // the parse, then put back.
  const held: string[] = [];
  const back = (v: unknown): unknown => {
    const m = typeof v === 'string' ? /^\u0000held(\d+)$/.exec(v) : null;
    return m ? held[Number(m[1])] : Array.isArray(v) ? v.map(back) : v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (/^-/.test(a) && /\s/.test(a)) {
      joined.push(`\u0000held${held.length}`);
      held.push(a);
      continue;
    }
    const name = /^--([^=]+)$/.exec(a)?.[1];
    const next = args[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${a}=${next}`);
      i++;
    } else joined.push(a);
  }
  try {
    const parsed = parseArgs({ args: joined, allowPositionals: true, strict: true, options });
    return { values: Object.fromEntries(Object.entries(parsed.values).map(([k, v]) => [k, back(v)])), positionals: parsed.positionals.map((p) => back(p) as string) };
  } catch (e) {
    throw new UsageError(explain(command, e as Error & { code?: string }, Object.keys(options), args), `usage: ${usage}`);
  }
}

function explain(command: string, e: Error & { code?: string }, known: string[], args: readonly string[] = []): string {
  const option = /'(-[^' ]+)/.exec(e.message)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    // A file whose name begins with a dash reads as an option (an attack, stop 58: "has no option -x", no way on).
    const file = args.find((a) => a.startsWith(option) && existsSync(a));
    if (file) return `strata ${command} has no option ${option}: for the file ${file}, write ./${file} (or put -- before the files)`;
    const guess = closest(option.replace(/^-+/, ''), known);
    return `strata ${command} has no option ${option}${guess ? `: did you mean --${guess}?` : ''}`;
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    return /argument missing|ambiguous/.test(e.message) ? `${option} needs a value` : `${option} takes no value`;
  }
  return e.message.split('\n')[0]!;
}
