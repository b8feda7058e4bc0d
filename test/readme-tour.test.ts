// The README's five-minute tour, run as printed in a fresh project folder (no lake, the example schemas): every line
// must exit 0. `npx strata` runs node_modules/.bin/strata (the link npm install makes, cli/bin), as npx does; the shell parses the
// rest of each line (quotes, the trailing comment). Two lines need a person: `<run id>` is filled with a flights run
// that changed the table (the newest but one), and `strata dev` is stopped with Ctrl-C (SIGINT) once it watches.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve('.');
const BIN = resolve(ROOT, 'node_modules', '.bin', 'strata');

/** The lines of the README's tour code block. */
function tourLines(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A five-minute tour'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  // Lines that are only a comment (a note continued from the line above) are not commands.
  return block.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

/** A fresh folder that looks like a new checkout after npm install: the sources linked, schemas/ copied, no .strata. */
function freshProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-tour-'));
  for (const name of readdirSync(ROOT)) {
    if (name === '.strata' || name === '.git' || name === 'schemas') continue;
    symlinkSync(join(ROOT, name), join(dir, name));
  }
  cpSync(join(ROOT, 'schemas'), join(dir, 'schemas'), { recursive: true });
  return dir;
}

interface Ran { code: number | null; stdout: string; stderr: string }

/** One tour line through sh, `npx strata` standing for the bin; `until` (when given) is awaited on stdout, then SIGINT. */
function runLine(cwd: string, env: NodeJS.ProcessEnv, line: string, until?: RegExp): Promise<Ran> {
  const script = line.replace(/^npx strata /, 'exec "$STRATA_NODE" "$STRATA_BIN" ');
  return new Promise((done, fail) => {
    const child = spawn('sh', ['-c', script], { cwd, env: { ...env, STRATA_NODE: process.execPath, STRATA_BIN: BIN } });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // One Ctrl-C, as a person presses it: a second one (sent again on the "stopped" line) forces the exit, and
      // arriving while the process exits it met the signal's default action (exit by SIGINT, in 5 of 12 runs).
      if (until && !interrupted && until.test(stdout)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let dir: string | undefined;
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe('README tour', () => {
  it('every line of the five-minute tour runs as printed after a fresh checkout', async () => {
    dir = freshProject();
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.STRATA_LAKE;
    const lines = tourLines();
    expect(lines[0]).toMatch(/^npx strata demo\b/);
    const ran: Record<string, Ran> = {};
    for (const line of lines) {
      const exported = /^export (\w+)=(\S+)/.exec(line);
      if (exported) {
        env[exported[1]!] = exported[2]!;
        continue;
      }
      expect(line).toMatch(/^npx strata /);
      let command = line;
      if (command.includes('<run id>')) {
        const runs = JSON.parse((await runLine(dir, env, 'npx strata runs --dataset flights --json')).stdout) as Array<{ runId: string; status: string }>;
        const changed = runs.filter((r) => r.status === 'SUCCEEDED');
        command = command.replace('<run id>', changed[1]!.runId);
      }
      const r = await runLine(dir, env, command, /^npx strata dev\b/.test(line) ? /watching .*\(Ctrl-C to stop\)/ : undefined);
      expect({ line, code: r.code, stderr: r.stderr }).toEqual({ line, code: 0, stderr: '' });
      ran[line.split(/\s+#/)[0]!.trim()] = r;
    }
    // What the lines show: the tour's own files were found and read from the demo lake.
    const find = (start: string) => Object.entries(ran).find(([l]) => l.startsWith(start))![1].stdout;
    expect(find('npx strata init birds')).toContain('schemas/birds.yaml');
    expect(find('npx strata ingest flights')).toMatch(/✓ SUCCEEDED flights .*flights-2k\.json/);
    expect(find('npx strata ingest flights')).toContain('2,000 rows in');
    expect(find('npx strata query "select * from silver.flights').split('\n').filter(Boolean)).toHaveLength(7);
    expect(find('npx strata query --format csv').trim().split('\n')).toHaveLength(1 + 23);
    expect(find('npx strata dev')).toMatch(/watching .*\.strata\/demo\/bronze/);
    // The tour's flights-2k rows are also in the demo's flights (mode: append): the rollback to the March run took
    // them out again, as its comment says.
    const count = await runLine(dir, env, 'npx strata query --format json "select count(*) as n from silver.flights"');
    expect(JSON.parse(count.stdout)).toEqual([{ n: 20_000 }]);
    // The demo's table is in one order, run after run: by delay, ties by state (MA and WA share 12.5 minutes).
    const table = find('npx strata demo').split('Origin states')[1]!.split('\n\n')[0]!.split('\n').slice(3).filter(Boolean)
      .map((row) => row.split(/\s+/)).map(([state, , delay]) => ({ state: state!, delay: Number(delay) }));
    expect(table).toHaveLength(8);
    expect(table).toEqual([...table].sort((a, b) => b.delay - a.delay || a.state.localeCompare(b.state)));
  }, 900_000);
});
