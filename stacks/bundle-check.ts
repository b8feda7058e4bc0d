// node stacks/bundle-check.ts: bundle sst.config.ts the way `sst deploy` does (esbuild from .sst/platform, SST's
// externals) and fail if it does not bundle or pulls in a native module — the reason the lake model is computed in
// a child process (stacks/model.ts). Prints the project files the deploy program is made of. Run by .ci/sst-check.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(join(root, '.sst/platform/package.json'));
// The esbuild SST ships (not a dependency of the project); typed as far as used here.
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ metafile: { inputs: Record<string, unknown> } }>;
}
const esbuild = require('esbuild') as Esbuild;

// pkg/js/js.go in SST: what its build of sst.config.ts leaves external.
const SST_EXTERNALS = ['@pulumi/*', 'undici', '@pulumiverse/*', '@sst-provider/*', '@aws-sdk/*', 'esbuild', 'archiver', 'glob', 'vite'];

const result = await esbuild.build({
  entryPoints: [join(root, 'sst.config.ts')], bundle: true, format: 'esm', platform: 'node', write: false, metafile: true,
  outfile: join(root, '.sst', 'bundle-check.mjs'), nodePaths: [join(root, '.sst/platform/node_modules')], external: SST_EXTERNALS, logLevel: 'silent',
}).catch((e: { errors?: Array<{ text: string }> }) => {
  console.error(`sst.config.ts does not bundle:\n${(e.errors ?? []).map((x) => `  ${x.text}`).join('\n') || e}`);
  process.exit(1);
});
const inputs = Object.keys(result.metafile.inputs);
const native = inputs.filter((i) => /\.node$|@duckdb|duckdb\.ts$/.test(i));
if (native.length) {
  console.error(`sst.config.ts pulls in native code, which SST's bundle cannot load:\n${native.map((n) => `  ${n}`).join('\n')}`);
  process.exit(1);
}
const own = inputs.filter((i) => !i.includes('node_modules')).sort();
console.log(`bundle: sst.config.ts bundles like sst deploy does (${inputs.length} modules, no native code); project files in it:`);
console.log(own.map((f) => `  ${f}`).join('\n'));
