// The `strata` launcher (cli/strata.js): help that loads no command, the version, the entry older npx caches still
// point at, and the module compile cache never serving a stale module. Child processes on the project's Node.
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
let dir: string;

beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-launcher-')); });
afterAll(() => rm(dir, { recursive: true, force: true }));

function run(script: string, args: string[], env: Record<string, string> = {}) {
  return exec(process.execPath, [script, ...args], { env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
}

describe('strata launcher', () => {
  it('--help lists every command from cli/main.ts without loading one, nor DuckDB, the AWS SDK, the interpreter, middy or ajv', async () => {
    // A resolve hook in the same process records every module the help loads (printed at exit, on stderr).
    const hook = join(dir, 'record-modules.mjs');
    await writeFile(hook, `import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.add(r.url); return r; } });
process.on('exit', () => process.stderr.write('MODULES ' + JSON.stringify([...seen]) + '\\n'));`);
    const { stdout, stderr } = await exec(process.execPath, ['--import', hook, resolve('cli/strata.js'), '--help']);
    const main = await readFile('cli/main.ts', 'utf8');
    const names = [...main.matchAll(/^ {2}(\w+): \{ summary: '([^']+)'/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(names.length).toBeGreaterThanOrEqual(12);
    for (const [name, summary] of names) expect(stdout).toContain(`  ${name.padEnd(8)} ${summary}`);
    const loaded: string[] = JSON.parse(/MODULES (.*)/.exec(stderr)![1]!);
    expect(loaded.some((u) => u.endsWith('/cli/main.ts'))).toBe(true);
    const heavy = loaded.filter((u) => /\/cli\/commands\/|@duckdb|@aws-sdk|aws-local-stepfunctions|@middy|\/ajv\/|\/yaml\//.test(u));
    expect(heavy).toEqual([]);
  });

  it('--version prints package.json\'s version through npx, the node_modules/.bin link and cli/strata.ts (the bin older npx caches link to)', async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect((await run(resolve('cli/strata.js'), ['--version'])).stdout).toBe(`${version}\n`);
    expect((await run(resolve('cli/strata.ts'), ['--version'])).stdout).toBe(`${version}\n`);
    // `npx strata` runs the link npm install made in node_modules/.bin (the workspace cli/bin), not a bin of the root
    // package: npx would install the project into its cache for that, on every call (bench: `npm run bench -- commands`).
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { bin?: unknown; workspaces: string[] };
    expect(pkg.bin).toBeUndefined();
    expect(pkg.workspaces).toContain('cli/bin');
    expect(JSON.parse(await readFile('cli/bin/package.json', 'utf8')).bin).toEqual({ strata: 'strata.js' });
    // (the checkout node_modules is in: a git worktree whose node_modules links to the main checkout's resolves there)
    expect(realpathSync('node_modules/.bin/strata')).toBe(resolve(realpathSync('node_modules'), '../cli/bin/strata.js'));
    expect((await run(resolve('node_modules/.bin/strata'), ['--version'])).stdout).toBe(`${version}\n`);
    expect((await exec('npx', ['strata', '--version'], { env: { ...process.env, PATH: `${resolve('node_modules/.bin')}:${process.env.PATH}` } })).stdout).toBe(`${version}\n`);
    expect((await stat('cli/bin/strata.js')).mode & 0o111).not.toBe(0);
    expect((await stat('cli/strata.js')).mode & 0o111).not.toBe(0);
    expect((await stat('cli/strata.ts')).mode & 0o111).not.toBe(0);
  });

  it('the compile cache serves a module from cache until it changes, then never the stale version (same size, same mtime)', async () => {
    // The launcher as shipped, next to a main.ts of its own in a scratch folder.
    const app = join(dir, 'app', 'cli');
    await mkdir(app, { recursive: true });
    await copyFile('cli/strata.js', join(app, 'strata.js'));
    const mainTs = join(app, 'main.ts');
    const version = (v: string) => `export async function main(argv: string[]): Promise<number> { process.stdout.write('${v} ' + argv.join(',') + '\\n'); return 0; }\n`;
    await writeFile(mainTs, version('one'));
    const mtime = new Date('2025-01-01T00:00:00Z');
    await utimes(mainTs, mtime, mtime);
    // Not NODE_COMPILE_CACHE (Node would turn the cache on by itself): the launcher's call does, in <TMPDIR>/node-compile-cache.
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);
    const cache = join(tmp, 'node-compile-cache');
    const env = { TMPDIR: tmp, NODE_COMPILE_CACHE: '', NODE_DEBUG_NATIVE: 'COMPILE_CACHE' };
    const launcher = join(app, 'strata.js');
    const url = `file://${mainTs}`;
    const servedFromCache = (stderr: string) => new RegExp(`retrieving transpile cache for StrippedTypeScript ${url}\\.\\.\\.success`).test(stderr);

    const first = await run(launcher, ['a'], env);
    expect(first.stdout).toBe('one a\n');
    expect(servedFromCache(first.stderr)).toBe(false);
    expect((await readdir(cache, { recursive: true })).length).toBeGreaterThan(0);

    const second = await run(launcher, ['b'], env);
    expect(second.stdout).toBe('one b\n');
    expect(servedFromCache(second.stderr)).toBe(true); // the launcher did turn the cache on

    // An edit that keeps the size and the mtime: only the content tells.
    await writeFile(mainTs, version('two'));
    await utimes(mainTs, mtime, mtime);
    const third = await run(launcher, ['c'], env);
    expect(third.stdout).toBe('two c\n');
    expect(servedFromCache(third.stderr)).toBe(false);
  });
});
