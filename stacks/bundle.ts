// What goes into a pipeline function's bundle besides the bundled code: DuckDB, a native module, built for the
// machine Lambda runs it on (linux, arm64, glibc: Amazon Linux 2023) whatever machine deploys.
//
// SST leaves `nodejs.install` packages out of the bundle and installs them into it with
// `npm install --force --platform=linux --os=linux --arch=arm64 --cpu=arm64` (pkg/runtime/node/build.go; it adds
// --libc=glibc only for sharp). npm installs an optional dependency only if it fits {os, cpu, libc}, and takes libc
// from the deploying machine: none on macOS and Windows, so the glibc binding is skipped; musl on an Alpine runner,
// so the -musl binding is installed, which Lambda never loads. A direct dependency is installed whatever its
// platform under --force. So the functions name the glibc binding itself as a package to install, at the exact
// versions the project runs (LakeModel.lambdaPackages), and a post-build check (deploy.ts) makes sure the bundle holds
// that binding, built for arm64, and drops any other binding npm added.
import { existsSync, openSync, readFileSync, readSync, closeSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The DuckDB binding Lambda's arm64 runtime loads (@duckdb/node-bindings picks it by platform, arch and libc). */
export const LAMBDA_BINDING = '@duckdb/node-bindings-linux-arm64';
export const LAMBDA_PLATFORM = { os: 'linux', cpu: 'arm64', libc: 'glibc' } as const;

/**
 * The packages every pipeline function installs (name → exact version): @duckdb/node-api as the project has it
 * installed, and the binding its @duckdb/node-bindings names for linux/arm64. Reads the installed package.json files
 * (resolved from `from`, a file in the project); throws when DuckDB is not installed.
 */
export function lambdaPackages(from: string): Record<string, string> {
  const require = createRequire(from);
  const pkg = (name: string) => JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string; optionalDependencies?: Record<string, string> };
  const api = pkg('@duckdb/node-api');
  const bindings = pkg('@duckdb/node-bindings');
  const binding = bindings.optionalDependencies?.[LAMBDA_BINDING];
  if (!binding) throw new Error(`@duckdb/node-bindings ${bindings.version} names no ${LAMBDA_BINDING}: DuckDB no longer ships a binding for Lambda's arm64`);
  return { '@duckdb/node-api': api.version, [LAMBDA_BINDING]: binding };
}

/** ELF e_machine of 64-bit ARM (the ELF specification's EM_AARCH64). */
const EM_AARCH64 = 183;

/**
 * The post-build check of a function bundle SST built with `nodejs.install` (its hook.postbuild, see deploy.ts):
 * the bundle's node_modules must hold LAMBDA_BINDING for linux/arm64/glibc with an AArch64 duckdb.node; every other
 * DuckDB binding (an Alpine runner's -musl one, say) is removed, since Lambda never loads it and it costs ~65 MB of
 * the function's 250 MB. Throws, failing the deploy, with what is missing and how to fix it.
 * Returns the packages removed.
 */
export function checkNativeBundle(dir: string, fn: string): string[] {
  const scope = join(dir, 'node_modules', '@duckdb');
  const present = existsSync(scope) ? readdirSync(scope) : [];
  const wanted = LAMBDA_BINDING.split('/')[1]!;
  const fail = (problem: string) => new Error(
    `${fn}: the function bundle (${dir}) ${problem}. Lambda runs DuckDB from ${LAMBDA_BINDING} (linux, arm64, glibc), `
    + `which SST installs into the bundle with the npm on this machine's PATH. Check that npm is 7 or newer (npm --version) `
    + `and that its registry serves ${LAMBDA_BINDING}, then deploy again (see docs/deploy.md, "Deploying from any machine").`,
  );
  if (!present.includes(wanted)) {
    throw fail(`lacks ${LAMBDA_BINDING} (node_modules/@duckdb has: ${present.length ? present.join(', ') : 'nothing'})`);
  }
  const meta = JSON.parse(readFileSync(join(scope, wanted, 'package.json'), 'utf8')) as { os?: string[]; cpu?: string[]; libc?: string[] };
  for (const [field, value] of Object.entries(LAMBDA_PLATFORM)) {
    const declared = meta[field as keyof typeof meta];
    if (!declared?.includes(value)) throw fail(`has a ${LAMBDA_BINDING} declared for ${field} ${JSON.stringify(declared)}, not ${value}`);
  }
  const binary = join(scope, wanted, 'duckdb.node');
  if (!existsSync(binary)) throw fail(`has ${LAMBDA_BINDING} without its duckdb.node`);
  const machine = elfMachine(binary);
  if (machine !== EM_AARCH64) throw fail(`has a duckdb.node built for ELF machine ${machine}, not AArch64 (${EM_AARCH64})`);
  const others = present.filter((p) => p.startsWith('node-bindings-') && p !== wanted);
  for (const p of others) rmSync(join(scope, p), { recursive: true, force: true });
  return others.map((p) => `@duckdb/${p}`);
}

/** e_machine of an ELF file (64-bit little-endian only; anything else is undefined). */
function elfMachine(path: string): number | undefined {
  const head = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try { readSync(fd, head, 0, head.length, 0); } finally { closeSync(fd); }
  // \x7fELF, class 2 (64-bit), data 1 (little-endian); e_machine is the 16-bit field at offset 18.
  if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return undefined;
  return head.readUInt16LE(18);
}
