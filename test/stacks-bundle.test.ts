// What `sst deploy` puts in each function's bundle, as far as it can be reproduced offline: each handler bundled with
// the esbuild SST uses, leaving out what the function installs (as SST's pkg/runtime/node/build.go does), then SST's
// npm command, flags as in build.go, run for real in a folder holding the package.json SST writes — from a machine
// without glibc (macOS, Windows) and from an Alpine (musl) runner — and the deploy's post-build check on the result.
// Needs .sst/ (esbuild) and the npm registry: run by .ci/sst-check (STRATA_REQUIRE_SST=1), skipped by npm test.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile, open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BINDING } from '../stacks/bundle.ts';
import { stageConfig } from '../stacks/config.ts';
import { withBundleCheck } from '../stacks/deploy.ts';
import { describeProject } from '../stacks/describe.ts';
import { lakeResources } from '../stacks/lake.ts';
import type { LakeModel } from '../stacks/model.ts';
import type { ResourceSpec } from '../stacks/resource.ts';
import { sstRequired } from './helpers/pulumi-mocks.ts';

const run = promisify(execFile);

/** SST 4.17 pkg/runtime/node/build.go, written out: the npm command for an arm64 function (no sharp among the packages). */
const SST_NPM_ARGS = ['install', '--force', '--platform=linux', '--os=linux', '--arch=arm64', '--cpu=arm64'];
/** build.go's forceExternal: left out of every bundle. */
const SST_FORCE_EXTERNAL = ['sharp', 'pg-native'];

type Fn = Extract<ResourceSpec, { type: 'sst.aws.Function' }>;
const installOf = (f: Fn) => (f.args.nodejs as { install?: Record<string, string> } | undefined)?.install;

/**
 * The packages each bundle leaves to node_modules: bare imports esbuild kept external, builtins aside. One esbuild
 * run for every handler (as SST runs one per function, with the same options).
 */
async function externalImports(handlers: Map<string, string[]>): Promise<Map<string, string[]>> {
  const esbuild = createRequire(resolve('.sst/platform/package.json'))('esbuild') as { build(o: object): Promise<{ metafile: { outputs: Record<string, { entryPoint?: string; imports: Array<{ path: string; external?: boolean }> }> } }> };
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const out = new Map<string, string[]>();
  // SST gives each function its own externals; the externals differ only between the trigger and the rest.
  const groups = new Map<string, string[]>();
  for (const [file, external] of handlers) groups.set(JSON.stringify(external), [...(groups.get(JSON.stringify(external)) ?? []), file]);
  for (const [external, files] of groups) {
    const r = await esbuild.build({
      entryPoints: files, bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, outdir: 'out',
      external: JSON.parse(external), mainFields: ['module', 'main'], logLevel: 'silent',
    });
    for (const o of Object.values(r.metafile.outputs).filter((x) => x.entryPoint)) {
      const packages = o.imports.filter((i) => i.external && !builtins.has(i.path) && !i.path.startsWith('node:'))
        .map((i) => (i.path.startsWith('@') ? i.path.split('/').slice(0, 2).join('/') : i.path.split('/')[0]!));
      out.set(o.entryPoint!, [...new Set(packages)].sort());
    }
  }
  return out;
}

/** SST's npm install into a fresh folder, on a machine whose libc npm sees as `libc`; the folder's @duckdb packages. */
async function sstInstall(dependencies: Record<string, string>, libc: 'none' | 'musl'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `strata-bundle-${libc}-`));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ dependencies }));
  // npm takes libc from the machine for optional dependencies: macOS and Windows have none it calls glibc (npm sees
  // null, as 'none' here), Alpine has musl.
  await run('npm', SST_NPM_ARGS, { cwd: dir, env: { ...process.env, npm_config_libc: libc, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  return dir;
}

const duckdbPackages = async (dir: string) => (await readdir(join(dir, 'node_modules', '@duckdb'))).sort();

/** ELF header fields of a file: class (2 = 64-bit), data (1 = little-endian), e_machine (183 = AArch64). */
async function elf(path: string): Promise<{ magic: string; cls: number; data: number; machine: number }> {
  const f = await open(path, 'r');
  try {
    const b = Buffer.alloc(20);
    await f.read(b, 0, 20, 0);
    return { magic: b.subarray(0, 4).toString('latin1'), cls: b[4]!, data: b[5]!, machine: b.readUInt16LE(18) };
  } finally {
    await f.close();
  }
}

describe.skipIf(!sstRequired)('what the deploy puts in each function\'s bundle', () => {
  let model: LakeModel;
  let functions: Fn[];
  const dirs: string[] = [];
  beforeAll(async () => {
    model = (await describeProject('schemas')).model!;
    functions = lakeResources(model, stageConfig('strata', 'test')).filter((s): s is Fn => s.type === 'sst.aws.Function');
  });
  afterAll(async () => { await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))); });

  it('every function installs exactly the packages its bundle leaves out: DuckDB with its arm64 binding in pipeline functions, nothing in the trigger', async () => {
    const handlers = new Map(functions.map((f) => [String(f.args.handler), f]));
    expect(handlers.size).toBe(11); // nine steps of the state machine, compact (the flights example compacts) and the trigger
    const file = (handler: string) => `${handler.replace(/\.handler$/, '')}.ts`;
    const imports = await externalImports(new Map([...handlers].map(([h, f]) => [file(h), [...SST_FORCE_EXTERNAL, ...Object.keys(installOf(f) ?? {})]])));
    for (const [handler, f] of handlers) {
      const install = installOf(f) ?? {};
      const imported = imports.get(file(handler));
      if (handler === 'functions/trigger.handler') {
        expect({ handler, imported, install }).toEqual({ handler, imported: [], install: {} });
      } else {
        // The bundle imports the DuckDB API; the binding is what the API loads at run time for linux/arm64.
        expect({ handler, imported }).toEqual({ handler, imported: ['@duckdb/node-api'] });
        expect({ handler, install: Object.keys(install).sort() }).toEqual({ handler, install: ['@duckdb/node-api', LAMBDA_BINDING] });
      }
    }
    // Every pipeline function of every dataset, not just one per handler.
    for (const f of functions.filter((x) => x.args.handler !== 'functions/trigger.handler')) expect(installOf(f)).toEqual(model.lambdaPackages);
  });

  for (const libc of ['none', 'musl'] as const) {
    it(`deploying from a machine whose libc is ${libc === 'none' ? 'not glibc (macOS, Windows)' : 'musl (Alpine)'}: the bundle holds the glibc arm64 binding and no other`, async () => {
      const fn = functions.find((f) => f.name === 'FlightsStageFunction')!;
      const dir = await sstInstall(installOf(fn)!, libc);
      dirs.push(dir);
      const postbuild = (withBundleCheck(fn, fn.args) as { hook: { postbuild: (d: string) => Promise<void> } }).hook.postbuild;
      await postbuild(dir);
      expect(await duckdbPackages(dir)).toEqual(['node-api', 'node-bindings', 'node-bindings-linux-arm64']);
      expect(await elf(join(dir, 'node_modules', LAMBDA_BINDING, 'duckdb.node'))).toEqual({ magic: '\x7fELF', cls: 2, data: 1, machine: 183 });
    });
  }

  it('installing DuckDB alone, as before, leaves the binding out on such a machine: the post-build check fails the deploy and says why', async () => {
    const fn = functions.find((f) => f.name === 'FlightsStageFunction')!;
    const dir = await sstInstall({ '@duckdb/node-api': model.lambdaPackages['@duckdb/node-api']! }, 'none');
    dirs.push(dir);
    expect(await duckdbPackages(dir)).toEqual(['node-api', 'node-bindings']);
    const postbuild = (withBundleCheck(fn, fn.args) as { hook: { postbuild: (d: string) => Promise<void> } }).hook.postbuild;
    await expect(postbuild(dir)).rejects.toThrow(`FlightsStageFunction: the function bundle (${dir}) lacks ${LAMBDA_BINDING} (node_modules/@duckdb has: node-api, node-bindings)`);
  });
});
