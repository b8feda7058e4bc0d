// The `strata` launcher (cli/strata.js): help that loads no command, the version, the entry older npx caches still
// point at, the module compile cache never serving a stale module, and the compiled CLI (cli/build.js) run only while
// every file it was built from is unchanged. Child processes on the project's Node.
import { execFile, spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript, run by npm install before any type-checker
import { buildCli, buildCliSettled, sourcesLoad } from '../cli/build.js';

const exec = promisify(execFile);
let dir: string;

beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'strata-launcher-')); });
afterAll(() => rm(dir, { recursive: true, force: true }));

function run(script: string, args: string[], env: Record<string, string> = {}) {
  return exec(process.execPath, [script, ...args], { env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
}

describe('strata launcher', () => {
  it('a reader that closed the pipe ends the output, not the command: no EPIPE stack trace, the command\'s own exit code (an attack, stop 47)', async () => {
    const child = spawn(process.execPath, [resolve('cli/strata.js'), 'plan', 'flights', '--asl'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // as `| head -0` does, before the command writes
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += String(c); });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('--help lists every command from cli/main.ts without loading one, nor DuckDB, the AWS SDK, the interpreter, middy or ajv', async () => {
    const { stdout, loaded } = await loadingModules([resolve('cli/strata.js'), '--help']);
    const main = await readFile('cli/main.ts', 'utf8');
    const names = [...main.matchAll(/^ {2}(\w+): \{ summary: '([^']+)'/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(names.length).toBeGreaterThanOrEqual(12);
    for (const [name, summary] of names) expect(stdout).toContain(`  ${name.padEnd(8)} ${summary}`);
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

  it('on a Node older than 24 the link says what to do, before loading anything (newcomer\'s trial, stop 46: a SyntaxError on Node 20)', async () => {
    // An older Node, as process.versions says it (Node 24 runs it: the link must decide before any import of its own).
    const older = join(dir, 'node20.mjs');
    await writeFile(older, "Object.defineProperty(process.versions, 'node', { value: '20.20.2' });\n");
    const said = 'strata needs Node 24 or later; this is Node 20.20.2. Run it as `npx strata …` from the strata project\'s folder (npx puts the project\'s pinned Node 24 first), with --schemas and --lake naming your folders if they are elsewhere.\n';
    // The link, and cli/strata.js called by its path as the README's perf section does (newcomer's trial, stop 50).
    for (const entry of ['cli/bin/strata.js', 'cli/strata.js']) {
      const r = await exec(process.execPath, ['--import', pathToFileURL(older).href, resolve(entry), '--version']).then(() => undefined, (e: { code: number; stdout: string; stderr: string }) => e);
      expect(r, entry).toMatchObject({ code: 2, stdout: '', stderr: said });
    }
    // A real older Node where the machine has one (Debian's /usr/bin/node): no named import of Node 24's loads first.
    const system = await exec('/usr/bin/node', ['--version']).then((x) => x.stdout.trim(), () => undefined);
    if (system && Number(system.slice(1).split('.')[0]) < 24) {
      for (const entry of ['cli/bin/strata.js', 'cli/strata.js']) {
        const r = await exec('/usr/bin/node', [resolve(entry), '--version']).then(() => undefined, (e: { code: number; stderr: string }) => e);
        expect(r, entry).toMatchObject({ code: 2, stderr: said.replace('20.20.2', system.slice(1)) });
      }
    }
  });

  it('the compile cache serves a module from cache until it changes, then never the stale version (same size, same mtime)', async () => {
    // The launcher as shipped, next to a main.ts of its own in a scratch folder.
    const app = join(dir, 'app', 'cli');
    await mkdir(app, { recursive: true });
    await copyFile('cli/strata.js', join(app, 'strata.js'));
    await copyFile('cli/compiled.js', join(app, 'compiled.js'));
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

  it('runs the compiled CLI while every file it was built from and of the build has the size, mtime and ctime it had, every link its target, no nearer package appeared and this Node built it; else the sources', async () => {
    // The launcher as shipped, in a scratch project: its own main.ts, one more input, a linked package, and a build of
    // its own in dist/.
    const app = join(dir, 'compiled-app');
    await mkdir(join(app, 'cli'), { recursive: true });
    await mkdir(join(app, 'lib'), { recursive: true });
    await mkdir(join(app, 'dist'), { recursive: true });
    await mkdir(join(app, 'node_modules'), { recursive: true });
    await mkdir(join(app, 'pkg-one'), { recursive: true });
    await mkdir(join(app, 'pkg-two'), { recursive: true });
    await symlink(join(app, 'pkg-one'), join(app, 'node_modules', 'pkg'));
    await copyFile('cli/strata.js', join(app, 'cli', 'strata.js'));
    await copyFile('cli/compiled.js', join(app, 'cli', 'compiled.js'));
    // Each main says which it is, its arguments, and whether Node maps stack frames through source maps.
    const say = (what: string) => `export async function main(argv) { process.stdout.write('${what} ' + argv.join(',') + (process.sourceMapsEnabled ? ' (source maps)' : '') + '\\n'); return 0; }\n`;
    await writeFile(join(app, 'cli', 'main.ts'), say('sources'));
    await writeFile(join(app, 'lib', 'dep.js'), 'export const x = 1;\n');
    await writeFile(join(app, 'dist', 'main-a1.js'), `import './chunk-b2.js';\n${say('compiled')}`);
    await writeFile(join(app, 'dist', 'chunk-b2.js'), '');
    const stats = (folder: string, paths: string[]) => Promise.all(paths.map(async (p) => { const s = await stat(join(folder, p)); return [p, s.size, s.mtimeMs, s.ctimeMs]; }));
    const record = async () => {
      await writeFile(join(app, 'dist', 'current.json'), JSON.stringify({
        entry: 'main-a1.js', files: await stats(join(app, 'dist'), ['main-a1.js', 'chunk-b2.js']), inputs: await stats(app, ['cli/main.ts', 'lib/dep.js']),
        links: [['node_modules/pkg', join(app, 'pkg-one')]], absent: ['lib/node_modules/pkg'], node: process.version,
      }));
    };
    await record();
    const launcher = join(app, 'cli', 'strata.js');
    const strata = async (args: string[], env: Record<string, string> = {}) => (await run(launcher, args, { STRATA_CLI: '', ...env })).stdout;
    /** `strata ingest` ran the compiled CLI or the sources. */
    const ran = async (which: 'compiled' | 'sources') => expect(await strata(['ingest'])).toBe(`${which} ingest\n`);

    expect(await strata(['ingest', 'x'])).toBe('compiled ingest,x\n');
    // --verbose prints a failure's stack: source maps on, so that frames of the compiled CLI name the sources.
    expect(await strata(['ingest', '--verbose'])).toBe('compiled ingest,--verbose (source maps)\n');
    expect(await strata(['ingest'], { STRATA_CLI: 'sources' })).toBe('sources ingest\n');
    // Help and the version need no build (main.ts loads next to nothing for them).
    expect(await strata(['--help'])).toBe('sources --help\n');
    // The same bytes written again, the size and mtime put back: only the ctime tells.
    const dep = join(app, 'lib', 'dep.js');
    const mtime = new Date('2025-01-01T00:00:00Z');
    await utimes(dep, mtime, mtime);
    await record();
    await ran('compiled');
    const before = await stat(dep);
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(dep, 'export const x = 2;\n');
    await utimes(dep, mtime, mtime);
    expect((await stat(dep)).size).toBe(before.size);
    expect((await stat(dep)).mtimeMs).toBe(before.mtimeMs);
    await ran('sources');
    await record(); // compiled again
    await ran('compiled');
    // A file of the build missing, or damaged (emptied, say, by a crash before it reached the disk).
    await unlink(join(app, 'dist', 'chunk-b2.js'));
    await ran('sources');
    await writeFile(join(app, 'dist', 'chunk-b2.js'), '');
    await record();
    await ran('compiled');
    await writeFile(join(app, 'dist', 'main-a1.js'), '');
    await ran('sources');
    await writeFile(join(app, 'dist', 'main-a1.js'), `import './chunk-b2.js';\n${say('compiled')}`);
    await record();
    await ran('compiled');
    // A package linked elsewhere (npm link, a worktree's node_modules): its files are recorded by their real paths,
    // which a re-pointed link leaves as they were.
    await rm(join(app, 'node_modules', 'pkg'));
    await symlink(join(app, 'pkg-two'), join(app, 'node_modules', 'pkg'));
    await ran('sources');
    await rm(join(app, 'node_modules', 'pkg'));
    await symlink(join(app, 'pkg-one'), join(app, 'node_modules', 'pkg'));
    await ran('compiled');
    await unlink(dep);
    await ran('sources');
    await writeFile(dep, 'export const x = 3;\n');
    await record();
    await ran('compiled');
    // A package where Node would now find it before the one the build found (npm nesting another version).
    await mkdir(join(app, 'lib', 'node_modules', 'pkg'), { recursive: true });
    await ran('sources');
    await rm(join(app, 'lib', 'node_modules'), { recursive: true });
    await ran('compiled');
    // Built by another Node; an entry that does not load.
    const built = JSON.parse(await readFile(join(app, 'dist', 'current.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(app, 'dist', 'current.json'), JSON.stringify({ ...built, node: 'v24.0.0-other' }));
    await ran('sources');
    await writeFile(join(app, 'dist', 'main-a1.js'), 'export const main = ;\n');
    await record();
    await ran('sources');
    await writeFile(join(app, 'dist', 'current.json'), '{"entry": "main-a1.js", "inpu');
    await ran('sources');
  });

  it('cli/build.js refuses sources Node does not load, which the bundler would resolve (an import without its extension)', async () => {
    const app = join(dir, 'unloadable');
    await mkdir(join(app, 'cli', 'commands'), { recursive: true });
    await writeFile(join(app, 'cli', 'main.ts'), 'export const main = 1;\n');
    await writeFile(join(app, 'cli', 'commands', 'helper.ts'), 'export const x: number = 1;\n');
    await writeFile(join(app, 'cli', 'commands', 'run.ts'), "import { x } from './helper.ts';\nexport const run = x;\n");
    await expect(sourcesLoad(app)).resolves.toBeUndefined();
    await writeFile(join(app, 'cli', 'commands', 'run.ts'), "import { x } from './helper';\nexport const run = x;\n");
    await expect(sourcesLoad(app)).rejects.toThrow(/the sources do not load in Node: .*ERR_MODULE_NOT_FOUND.*helper/);
  });

  it('cli/build.js builds a project whose package.json was just written (a fresh clone) once the clock\'s slack has passed, not never (newcomer trial, stop 36)', async () => {
    const app = join(dir, 'fresh');
    await mkdir(join(app, 'cli', 'commands'), { recursive: true });
    await writeFile(join(app, 'cli', 'main.ts'), "export const main: string = 'ok';\n");
    await writeFile(join(app, 'cli', 'commands', 'run.ts'), 'export const run = 1;\n');
    await writeFile(join(app, 'package.json'), '{ "name": "fresh", "type": "module" }\n');
    await expect(buildCli(app, join(app, 'dist'))).rejects.toThrow(/package\.json changed less than 1 s before the build/);
    await writeFile(join(app, 'package.json'), '{ "name": "fresh", "type": "module" }\n');
    const b = await buildCliSettled(app, join(app, 'dist')) as { entry: string };
    expect((await readdir(join(app, 'dist')))).toContain(b.entry);
  }, 30_000);

  it('cli/build.js compiles every module a command loads, strata\'s and its dependencies\', into a CLI that answers as the sources do', async () => {
    // Inside the project as dist/ is (in a folder git ignores): the bundle's one external (DuckDB's native binding)
    // resolves from the project's node_modules, and its code finds the project's package.json above it.
    await mkdir(resolve('.strata'), { recursive: true });
    const out = await mkdtemp(join(resolve('.strata'), 'launcher-build-'));
    try {
      await compiledAnswersAsSources(out);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);
});

/**
 * Node with `args` in a process of its own, with a resolve hook recording every module it loads (printed at exit on
 * stderr): its stdout and the modules' URLs.
 */
async function loadingModules(args: string[]): Promise<{ stdout: string; loaded: string[] }> {
  const hook = join(dir, 'record-modules.mjs');
  await writeFile(hook, `import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.add(r.url); return r; } });
process.on('exit', () => process.stderr.write('MODULES ' + JSON.stringify([...seen]) + '\\n'));`);
  const { stdout, stderr } = await exec(process.execPath, ['--import', hook, ...args], { maxBuffer: 16 << 20 });
  return { stdout, loaded: JSON.parse(/MODULES (.*)/.exec(stderr)![1]!) as string[] };
}

/** Build into `out` and check the build's inputs and its answers against the sources'. */
async function compiledAnswersAsSources(out: string): Promise<void> {
  type Stat = [string, number, number, number];
  const b = await buildCli(resolve('.'), out) as { entry: string; files: Stat[]; inputs: Stat[]; links: Array<[string, string]>; builtAt: string };
  expect((await readdir(out)).sort()).toEqual([...b.files.map((f) => f[0]), 'current.json'].sort());
  const paths = new Set(b.inputs.map((i) => i[0]));
  // Every file Node loads for any command from the sources (a resolve hook records them while every command module
  // is imported) is an input of the build, file for file: the bundle resolved as Node does (dist-cjs where Node loads
  // dist-cjs, a package's nested dependency where Node takes it). Not the launcher's own two files, nor DuckDB's
  // native binding and what it loads, which stay outside the bundle.
  const commands = (await readdir('cli/commands')).filter((f) => f.endsWith('.ts')).map((f) => pathToFileURL(resolve('cli/commands', f)).href);
  const loaded = (await loadingModules(['--input-type=module', '-e',
    `await import(${JSON.stringify(pathToFileURL(resolve('cli/main.ts')).href)}); for (const c of ${JSON.stringify(commands)}) await import(c);`])).loaded.filter((u) => u.startsWith('file:') && !/\/cli\/(strata|compiled)\.js$/.test(u) && !/\/node_modules\/(@duckdb\/node-bindings[^/]*|detect-libc)\//.test(u))
    .map((u) => relative(resolve('.'), fileURLToPath(u)));
  expect(loaded.length).toBeGreaterThan(500);
  expect(loaded.filter((p) => !paths.has(p))).toEqual([]);
  // Every package.json on the way up from a module: its package's (exports), a nested one's (type), the project's.
  expect([...paths]).toEqual(expect.arrayContaining(['cli/build.js', 'package.json', 'node_modules/@smithy/core/package.json',
    'node_modules/@aws-lambda-powertools/logger/package.json', 'node_modules/@aws-lambda-powertools/logger/lib/esm/package.json']));
  // Where Node looks for a package before the folder it found it in: DuckDB's binding from its importer's package.
  expect((b as unknown as { absent: string[] }).absent).toEqual(expect.arrayContaining(['node_modules/@duckdb/node-api/node_modules/@duckdb/node-bindings', 'core/node_modules/yaml']));
  for (const [p, size, , ctimeMs] of b.inputs) {
    expect(ctimeMs).toBeLessThan(Date.parse(b.builtAt));
    expect(size).toBe((await stat(p)).size);
  }
  // Code that finds files by its own module's location finds other files from dist/: strata's modules use
  // import.meta only to resolve packages (createRequire, findPackageJSON), which gives the same answer from dist/.
  for (const p of [...paths].filter((p) => /^(cli|core|runtime|workflows|functions|site)\/.*\.ts$/.test(p))) {
    const rest = (await readFile(p, 'utf8')).replace(/createRequire\(import\.meta\.url\)|findPackageJSON\(([\w.]+, )?import\.meta\.url\)/g, '');
    expect({ file: p, uses: rest.match(/import\.meta\.\w+/g) ?? [] }).toEqual({ file: p, uses: [] });
  }
  // The compiled entry and the sources answer alike: each one's main() runs the same commands in a process of its own
  // (in the project folder), their outputs apart.
  const docs = (to: string) => ['docs', '--lake', join(dir, 'docs-lake'), '--out', join(dir, to), '--now', '2026-01-01T00:00:00Z'];
  const answers = async (from: string, site: string) => {
    // The query's value starts with a byte-order mark, which the bundle's DuckDB client must keep as the sources' does
    // (on an empty lake of its own: the two answer at once).
    await mkdir(join(dir, `${site}-lake`, '_strata'), { recursive: true });
    const commands = [['check'], ['plan', 'flights', '--asl'], docs(site), ['query', '--lake', join(dir, `${site}-lake`), '--format', 'json', "SELECT chr(65279) || 'a' AS v"]];
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(from)});
for (const args of ${JSON.stringify(commands)}) { process.stdout.write('\\n@@command ' + args[0] + '\\n'); const code = await main(args); process.stdout.write('@@exit ' + code + '\\n'); }`],
    { env: { ...process.env, STRATA_LOG_LEVEL: 'SILENT' }, maxBuffer: 16 << 20 });
    return stdout.split('\n@@command ').slice(1);
  };
  const [compiled, fromSources] = await Promise.all([answers(pathToFileURL(join(out, b.entry)).href, 'docs-compiled'), answers(pathToFileURL(resolve('cli/main.ts')).href, 'docs-sources')]);
  expect(compiled).toHaveLength(4);
  for (const c of compiled) expect(c).toMatch(/^\w+\n[^]+@@exit 0\n$/);
  expect(JSON.parse(compiled[3]!.replace(/^query\n/, '').replace(/@@exit 0\n$/, ''))).toEqual([{ v: '\ufeffa' }]);
  expect(compiled.map((c) => c.replaceAll('docs-compiled', 'docs-sources'))).toEqual(fromSources);
  // The data docs: the same files, byte for byte (their assets are read from site/ and node_modules at run time).
  const tree = async (root: string) => Promise.all((await readdir(root, { recursive: true })).sort().map(async (f) => [f, (await stat(join(root, f))).isFile() ? (await readFile(join(root, f))).toString('base64') : 'dir']));
  const compiledSite = await tree(join(dir, 'docs-compiled'));
  expect(compiledSite.length).toBeGreaterThan(5);
  expect(compiledSite).toEqual(await tree(join(dir, 'docs-sources')));
  // ASCII only (cli/build.js: Node decodes such a file to a one-byte string): every chunk but the data docs', whose
  // tagged templates keep their raw text as written. Every chunk has its source map beside it.
  const chunks = await Promise.all(b.files.filter((f) => f[0].endsWith('.js')).map(async ([f]) => ({ f, text: await readFile(join(out, f), 'utf8') })));
  expect(chunks.filter((c) => /[^\x00-\x7f]/.test(c.text) && !c.f.startsWith('docs-')).map((c) => c.f)).toEqual([]);
  const maps = chunks.map((c) => /\/\/# sourceMappingURL=(\S+)\s*$/.exec(c.text)?.[1]);
  expect(maps.filter(Boolean).length).toBeGreaterThan(20);
  expect(maps.filter((m) => m && !b.files.some((f) => f[0] === m))).toEqual([]);
  expect(maps[chunks.findIndex((c) => c.f === b.entry)]).toBe(`${b.entry}.map`);
  // A failure's stack under --verbose (source maps on, as the launcher turns them on) names the TypeScript sources'
  // files and lines, not dist/'s chunks.
  const failure = await exec(process.execPath, ['--input-type=module', '-e', `process.setSourceMapsEnabled(true);
const { main } = await import(${JSON.stringify(pathToFileURL(join(out, b.entry)).href)}); process.exitCode = await main(['plan', 'no_such', '--verbose']);`],
  { cwd: dir, env: { ...process.env, STRATA_LOG_LEVEL: 'SILENT' } }).then(() => undefined, (e: { code: number; stderr: string }) => e);
  expect(failure?.code).toBe(1);
  const frames = failure!.stderr.split('\n').filter((l) => /^\s+at /.test(l));
  expect(frames.join('\n')).toMatch(new RegExp(`\\(${resolve('core/plan/sets.ts')}:\\d+:\\d+\\)`));
  expect(frames.join('\n')).toMatch(new RegExp(`\\(${resolve('cli/main.ts')}:\\d+:\\d+\\)`));
  expect(frames.filter((l) => l.includes(out))).toEqual([]);
}
