// The strata command in-process: cli/main.ts's main (what cli/strata.js runs) or one command's run function, with
// stdout and stderr captured. A test that needs the process itself (its exit status, signals, what a fresh process
// loads) starts cli/strata.js as a child instead; these save a process start and strata's imports per call.
import { cwd as currentDir } from 'node:process';
import { main } from '../../cli/main.ts';
import { query } from '../../cli/commands/query.ts';
import { out as output } from '../../cli/output.ts';
import type { Command, GlobalOptions } from '../../cli/command.ts';

export interface Ran { code: number; stdout: string; stderr: string }

/**
 * Run `fn` with everything written to process.stdout and process.stderr captured; strata's --json switch restored
 * after. One call at a time, even when the test that made one timed out while it ran on: the next call used to
 * chdir and capture, then the abandoned call's finally put the old folder and streams back under it (14 failures in a
 * row on a loaded machine).
 */
function captured(fn: () => Promise<number>): Promise<Ran> {
  const turn = shared.queue.then(() => capturedNow(fn));
  shared.queue = turn.catch(() => undefined);
  return turn;
}

/**
 * The last captured call's end: the next one starts after it. Kept on globalThis, not in this module: a worker runs
 * test files one after another (vitest isolate: false), and should this module be evaluated again for a later file,
 * two queues let a call of one chdir and capture under a call of the other (twice in a full run, stop 50: a file's
 * commands ran in the checkout's folder, or printed into another call's capture).
 */
const shared = ((globalThis as { __strataCliQueue?: { queue: Promise<unknown>; own?: boolean } }).__strataCliQueue ??= { queue: Promise.resolve() });

async function capturedNow(fn: () => Promise<number>): Promise<Ran> {
  const out: string[] = [];
  const err: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { err.push(String(chunk)); return true; }) as typeof process.stderr.write;
  const json = output.json;
  try {
    const code = await fn();
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
    output.json = json;
  }
}

/** Run a command's run function with its output captured; returns the exit code and what it printed. */
export async function runCommand(command: Command, global: Partial<GlobalOptions>, positionals: string[], values: Record<string, unknown> = {}): Promise<Ran> {
  return captured(() => {
    output.json = global.json ?? false; // what cli/main.ts sets from --json
    return command.run({ positionals, values, global: { json: false, verbose: false, ...global } });
  });
}

/**
 * `strata <args>` run by main in this process with `cwd` as its working folder (the project: schemas/, the default
 * lake, relative file names), as cli/strata.js runs it; the exit code is what main returns (cli/strata.js's exit
 * status). Calls must not overlap: the working folder and the output streams are the process's.
 */
export async function strataMain(cwd: string, ...args: string[]): Promise<Ran> {
  return captured(async () => {
    const before = currentDir();
    ownChdir(cwd);
    const set = currentDir();
    try {
      // The folder as what strata calls sees it (path.resolve reads process.cwd, which a module may have replaced).
      if (process.cwd() !== set) throw new Error(`process.cwd() says ${process.cwd()} in strataMain(${cwd}), the folder being ${set}`);
      const code = await main(args);
      // A full run saw commands of this helper run in the checkout's folder (stops 50 to 52): said as such, with who
      // else changed the folder (below), rather than as the command's output.
      if (currentDir() !== set || process.cwd() !== set) throw new Error(`the working folder changed during strataMain(${cwd}): it is ${currentDir()} (process.cwd() ${process.cwd()})${chdirs.length ? `; process.chdir was called from: ${chdirs.join(' | ')}` : ''}`);
      return code;
    } finally {
      ownChdir(before);
    }
  });
}

/**
 * The helper's own change of folder, through process.chdir as it is now, so that whatever wrapped it sees it:
 * graceful-fs (a dependency some test file loads; a worker keeps modules from file to file, vitest's isolate: false)
 * replaces process.cwd with one that caches the folder and forgets it only when its own process.chdir is called.
 * node:process's chdir, which this helper called, went around it, and a command resolved its files in the folder
 * cached before: the checkout's (test/cli.test.ts and test/schema-file-messages.test.ts, now and then in full runs,
 * stops 50 to 52; test/cli-cwd.test.ts). Not counted among the others' calls (chdirs).
 */
function ownChdir(dir: string): void {
  shared.own = true;
  try {
    process.chdir(dir);
  } finally {
    shared.own = false;
  }
}

/** Calls of process.chdir by anything but this helper (ownChdir): their stacks. */
const chdirs: string[] = ((globalThis as { __strataChdirs?: string[] }).__strataChdirs ??= (() => {
  const calls: string[] = [];
  const orig = process.chdir.bind(process);
  process.chdir = ((d: string) => { if (!shared.own) calls.push(`${d} at ${new Error().stack?.split('\n').slice(2, 5).join(' ')}`); orig(d); }) as typeof process.chdir;
  return calls;
})());

/** `strata query --lake <lake> --format <format> "<sql>"`: what it prints. */
export async function strataQuery(lake: string, sql: string, format: 'table' | 'csv' | 'json'): Promise<string> {
  const r = await runCommand(query, { lake }, [sql], { format });
  if (r.code !== 0) throw new Error(`strata query failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}
