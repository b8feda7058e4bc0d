#!/usr/bin/env node
// The compiled CLI: cli/main.ts and everything it imports (strata's modules and its dependencies, but not DuckDB's
// native binding) bundled by rolldown into dist/, once, at `npm install` (package.json's "prepare"). Loading a few
// bundled chunks costs less than resolving, reading and type-stripping the ~580 modules a command loads from the
// sources (issue 14: `npm run bench -- commands`, and the README's Performance section, give the figures).
//
// The bundle holds what the sources run, file for file: modules are resolved as Node 24 resolves them (the "node" and
// "module-sync" conditions, then "import" or "require" by how a module is loaded, "main" and never "module"),
// TypeScript is stripped by Node's own stripper (module.stripTypeScriptTypes: syntax Node refuses fails the build),
// tsconfig.json is not read (Node does not read it), and the build is refused when Node cannot load the sources as
// they are (the bundler would resolve imports Node refuses). The code runs from dist/, so modules must not find files
// relative to their own location (test/launcher.test.ts checks how strata's modules use import.meta).
//
// Never stale: dist/current.json lists every file the bundle was built from (the modules, and every package.json above
// them) with its size, mtime and ctime, every symbolic link among node_modules and its packages with its target, the
// node_modules folders Node would search before the one it found each package in (which must stay absent), the Node
// version that built it, and every file of the build with its own; the launcher (cli/strata.js, cli/compiled.js) runs
// the compiled CLI only while all of that still holds, and otherwise, or whenever dist/ is absent or unreadable, runs
// the sources. STRATA_CLI=sources always runs the sources.
//
// A failed build fails nothing: `npm install` goes on (this script prints why and exits 0), and the launcher runs the
// sources. Builds are atomic for the launcher: the new files (named by content hash) are written and synced beside
// the old ones, then current.json is replaced by rename; files no build of the last day refers to are removed.
//   node cli/build.js            (what `npm install` runs)
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, openSync, readdirSync, readFileSync, realpathSync, statSync, writeSync } from 'node:fs';
import { readdir, readFile, rename, rm, mkdir, stat } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** This script as it was when it was loaded, which is the code that builds. */
const SELF = fileURLToPath(import.meta.url);
const SELF_STAT = statSync(SELF);
/** The project's root (the folder holding package.json and cli/). */
const ROOT = resolve(dirname(SELF), '..');

/** A file changed this long before the build started may have changed after rolldown read it (file times are coarse). */
const CLOCK_SLACK_MS = 1000;
/** Files of older builds are kept this long (a long-running command may still import its chunks). */
const KEEP_MS = 24 * 3600 * 1000;

/**
 * Bundle `<root>/cli/main.ts` into `outDir` (default `<root>/dist`) and write `outDir/current.json`:
 * `{ entry, files: [[file name, size, mtime ms, ctime ms], …], inputs: [[path relative to root, size in bytes,
 * mtime ms, ctime ms], …], links: [[path relative to root, real path or null], …], absent: [path relative to root,
 * …], node: the Node version that built it, builtAt }`. Returns that object with `ms`,
 * the build's wall time. Throws when rolldown is missing, a module does not strip or bundle, or an input changed
 * while it was built (the caller decides what that means).
 */
export async function buildCli(root = ROOT, outDir = join(root, 'dist')) {
  const started = performance.now();
  const startedAt = Date.now();
  // Node's own stripper (Node ≥ 22.13): on an older Node (npm run by hand with the system's Node), the build is
  // refused with that reason, as any other failure.
  const { stripTypeScriptTypes } = await import('node:module');
  if (typeof stripTypeScriptTypes !== 'function') throw new Error(`Node ${process.version} has no module.stripTypeScriptTypes: build with the project's Node (npm run prepare)`);
  const { build } = await import('rolldown');
  quietStripperWarning();
  /** What the build read of each module: its stat before the read and the hash of the bytes read. */
  const read = new Map();
  /** node_modules folders Node would look in first for a package the build found further up. */
  const absent = new Set();
  // The bundler resolves what Node refuses (an import without its extension, of a folder, JSON without its import
  // attribute): the sources must load in Node as they are, or a build would hide what fails without it. Node loads
  // them in a process of its own while rolldown bundles.
  const [result] = await Promise.all([build({
    input: { main: join(root, 'cli', 'main.ts') },
    platform: 'node',
    // As Node 24 resolves: the "node" and "module-sync" conditions (rolldown adds "import" or "require" by the kind
    // of each import, and "default"), a package's "main", never "module" (an ESM build Node would not load).
    resolve: { conditionNames: ['node', 'module-sync'], mainFields: ['main'] },
    tsconfig: false,
    logLevel: 'silent',
    write: false,
    // Source maps beside the chunks, without the sources' text, naming each source relative to outDir (`dir`; rolldown
    // writes nothing): a stack under --verbose names the TypeScript file, line and column (the stripper keeps them).
    // ASCII only (non-ASCII characters of strings and regular expressions escaped, JSDoc comments dropped; legal
    // comments and tagged templates' raw text kept as they are): Node decodes each module from UTF-8, and a file
    // without other characters decodes to a one-byte string, 2.6× faster (all chunks: 29 → 11 ms) at half the memory.
    output: {
      dir: outDir, format: 'esm', entryFileNames: '[name]-[hash].js', chunkFileNames: '[name]-[hash].js', sourcemap: true, sourcemapExcludeSources: true,
      charset: 'ascii', comments: { legal: true, annotation: true, jsdoc: false },
    },
    plugins: [{
      name: 'strata-as-node-loads',
      // A package found in a node_modules folder: Node looked in every node_modules folder nearer the importer first
      // (its own package's, its parents'). Those must stay absent, or Node would now find the package there.
      resolveId(source, importer) {
        if (!importer || !isAbsolute(importer) || /^(\.|\/|#|node:)/.test(source) || isBuiltin(source)) return null;
        const name = source.startsWith('@') ? source.split('/').slice(0, 2).join('/') : source.split('/')[0];
        for (let dir = dirname(importer); ; dir = dirname(dir)) {
          if (basename(dir) !== 'node_modules') {
            const candidate = join(dir, 'node_modules', name);
            if (statSync(candidate, { throwIfNoEntry: false })) break;
            absent.add(candidate);
          }
          if (dirname(dir) === dir) break;
        }
        // DuckDB's native binding loads a .node file by its path: it stays a require of the installed package, which
        // from dist/ finds the same package as from its importer while the folders above stay absent (and dist/
        // holds no node_modules).
        if (source === '@duckdb/node-bindings') {
          absent.add(join(outDir, 'node_modules'));
          return { id: source, external: true };
        }
        return null;
      },
      load(id) {
        if (!isAbsolute(id)) return null;
        const before = statSync(id);
        const bytes = readFileSync(id);
        read.set(id, { stat: [before.size, before.mtimeMs, before.ctimeMs], hash: hashOf(bytes) });
        const ext = extname(id);
        const text = bytes.toString('utf8');
        if (ext === '.ts' || ext === '.mts' || ext === '.cts') return { code: stripTypeScriptTypes(text, { mode: 'strip' }), moduleType: 'js' };
        return { code: text, moduleType: ext === '.json' ? 'json' : 'js' };
      },
    }],
  }), sourcesLoad(root)]);
  const chunks = result.output.filter((o) => o.type === 'chunk');
  const entry = chunks.find((c) => c.isEntry)?.fileName;
  if (!entry) throw new Error('rolldown produced no entry chunk');
  // Each module as it is now is what the build read: the same stat, the same bytes (a write in between, whatever it
  // did to the stat, changes one or the other).
  for (const [path, r] of read) {
    const now = statSync(path);
    if (now.size !== r.stat[0] || now.mtimeMs !== r.stat[1] || now.ctimeMs !== r.stat[2] || hashOf(readFileSync(path)) !== r.hash) {
      throw new Error(`${relative(root, path)} changed while the CLI was being compiled`);
    }
  }
  const inputs = [...read].map(([path, r]) => [relative(root, path), ...r.stat]);
  // This script, as it was when it started.
  const self = statSync(SELF);
  if (self.ctimeMs !== SELF_STAT.ctimeMs) throw new Error(`${relative(root, SELF)} changed while the CLI was being compiled`);
  if (!read.has(SELF)) inputs.push([relative(root, SELF), self.size, self.mtimeMs, self.ctimeMs]);
  // The package.json files the resolver read (of each module's package, and the project's). Their reads are the
  // resolver's, unseen: one changed since shortly before the build may have been read as it was before.
  const manifests = new Set([...read.keys()].flatMap(packageJsonsOf).filter((p) => !read.has(p)));
  for (const path of manifests) {
    const s = statSync(path);
    if (s.ctimeMs >= startedAt - CLOCK_SLACK_MS) {
      throw new Error(`${relative(root, path)} changed less than ${CLOCK_SLACK_MS / 1000} s before the build or during it: build again (node cli/build.js)`);
    }
    inputs.push([relative(root, path), s.size, s.mtimeMs, s.ctimeMs]);
  }
  inputs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

  const links = linksOf(root);
  await mkdir(outDir, { recursive: true });
  await removeStaleTemporaries(outDir);
  // Files are named by their content: writing one that exists writes the same bytes. Each is synced before
  // current.json names it, so that after a crash current.json never names a file that is not whole.
  const files = [];
  for (const o of result.output) {
    const to = join(outDir, o.fileName);
    const bytes = o.type === 'chunk' ? o.code : o.source;
    // A file of this name holding these bytes already is left as it is, so that the build that wrote it stays current.
    const there = statSync(to, { throwIfNoEntry: false }) ? readFileSync(to) : undefined;
    if (!there?.equals(Buffer.from(bytes))) {
      const tmp = join(outDir, `.tmp-${process.pid}-${o.fileName}`);
      writeSynced(tmp, bytes);
      await rename(tmp, to);
    }
    const s = statSync(to);
    files.push([o.fileName, s.size, s.mtimeMs, s.ctimeMs]);
  }
  syncFolder(outDir);
  const previous = await readFile(join(outDir, 'current.json'), 'utf8').then((t) => JSON.parse(t), () => undefined);
  const current = {
    entry, files, inputs, links, absent: [...absent].map((p) => relative(root, p)).sort(), node: process.version, builtAt: new Date().toISOString(),
  };
  const tmp = join(outDir, `.tmp-${process.pid}-current.json`);
  writeSynced(tmp, JSON.stringify(current));
  await rename(tmp, join(outDir, 'current.json'));
  syncFolder(outDir);
  // A command started from an earlier build may still import its chunks: a file goes when no build of the last day
  // refers to it.
  const keep = new Set(['current.json', ...files.map((f) => f[0]), ...(Array.isArray(previous?.files) ? previous.files.map((f) => (Array.isArray(f) ? f[0] : f)) : [])]);
  for (const f of await readdir(outDir)) {
    if (keep.has(f) || f.startsWith('.tmp-')) continue;
    const s = await stat(join(outDir, f)).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > KEEP_MS) await rm(join(outDir, f), { force: true });
  }
  return { ...current, ms: performance.now() - started };
}

/** Node 24 calls its stripper experimental, once per process: a note for Node's developers, not for `npm install`. */
function quietStripperWarning() {
  const emit = process.emitWarning.bind(process);
  process.emitWarning = (warning, ...rest) => {
    const type = typeof rest[0] === 'object' && rest[0] ? rest[0].type : rest[0];
    if (type === 'ExperimentalWarning' && String(warning).includes('stripTypeScriptTypes')) return;
    emit(warning, ...rest);
  };
}

function hashOf(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Node imports cli/main.ts and every command module from the sources, in a process of its own; throws its error. */
export async function sourcesLoad(root) {
  const { execFile } = await import('node:child_process');
  const modules = [join(root, 'cli', 'main.ts'), ...readdirSync(join(root, 'cli', 'commands')).filter((f) => f.endsWith('.ts')).map((f) => join(root, 'cli', 'commands', f))];
  const script = `for (const m of ${JSON.stringify(modules.map((m) => pathToFileURL(m).href))}) await import(m);`;
  await new Promise((done, fail) => execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, STRATA_LOG_LEVEL: 'SILENT' } },
    (e, _out, err) => (e ? fail(new Error(`the sources do not load in Node: ${(err.split('\n').find((l) => /Error/.test(l)) ?? err.trim().split('\n')[0] ?? e.message).trim()}`)) : done(undefined))));
}

const packageJsonIn = new Map();
/**
 * Every package.json above a file, up to the file system's root: the nearest says how Node reads the file ("type"),
 * its package's says how it was resolved ("exports", "main"), and the project's how strata's imports are.
 */
function packageJsonsOf(path) {
  const found = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (!packageJsonIn.has(dir)) {
      const p = join(dir, 'package.json');
      packageJsonIn.set(dir, statSync(p, { throwIfNoEntry: false })?.isFile() ? p : undefined);
    }
    const p = packageJsonIn.get(dir);
    if (p) found.push(p);
    if (dirname(dir) === dir) return found;
  }
}

/**
 * The symbolic links that decide which files the project's imports reach: node_modules itself (a worktree's may
 * link to another checkout's) and each package in it (`npm link`, workspaces), with their real paths.
 */
function linksOf(root) {
  const links = [];
  const note = (path) => {
    const s = lstatSync(join(root, path), { throwIfNoEntry: false });
    // A link to nothing is recorded as such (null): pointed somewhere later, it changes what resolves.
    if (s?.isSymbolicLink()) links.push([path, statSync(join(root, path), { throwIfNoEntry: false }) ? realpathSync(join(root, path)) : null]);
    return s;
  };
  if (!note('node_modules')) return links;
  for (const name of readdirSync(join(root, 'node_modules'))) {
    const s = note(`node_modules/${name}`);
    if (name.startsWith('@') && s?.isDirectory() && !s.isSymbolicLink()) for (const sub of readdirSync(join(root, 'node_modules', name))) note(`node_modules/${name}/${sub}`);
  }
  return links;
}

function writeSynced(path, content) {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, Buffer.from(content));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * buildCli, again once the clock's slack has passed when a package.json it read had just been written: a fresh clone
 * or `npm install` writes them moments before the build (newcomer trial, stop 36: a fresh clone built nothing, and
 * every command ran from the sources).
 */
export async function buildCliSettled(root = ROOT, outDir = join(root, 'dist')) {
  return buildCli(root, outDir).catch(async (e) => {
    if (!/changed less than/.test(e instanceof Error ? e.message : '')) throw e;
    await new Promise((r) => setTimeout(r, CLOCK_SLACK_MS + 100));
    return buildCli(root, outDir);
  });
}

function syncFolder(dir) {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/** Temporary files of builds whose process is gone (killed half way). */
async function removeStaleTemporaries(dir) {
  for (const f of await readdir(dir)) {
    const pid = /^\.tmp-(\d+)-/.exec(f)?.[1];
    if (pid === undefined || Number(pid) === process.pid) continue;
    let alive = true;
    try { process.kill(Number(pid), 0); } catch (e) { alive = e?.code === 'EPERM'; }
    if (!alive) await rm(join(dir, f), { force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const b = await buildCliSettled();
    process.stdout.write(`strata: compiled the CLI into dist/ (${b.inputs.length} files, ${(b.ms / 1000).toFixed(1)} s)\n`);
  } catch (e) {
    // Not a failure of `npm install`: the launcher runs the sources.
    process.stdout.write(`strata: the CLI was not compiled (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); strata runs from the sources, or from an earlier build while that is current\n`);
  }
}
