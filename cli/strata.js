#!/usr/bin/env node
// The `strata` command (node_modules/.bin/strata, linked by npm install to cli/bin/strata.js, which imports this file). Runs on the project's pinned Node 24 (npm/npx put node_modules/.bin
// first on PATH): the compiled CLI in dist/ (cli/build.js, run by `npm install`) while every file it was built from is
// unchanged, else straight from the TypeScript sources, so a build never goes stale: edit a file and the next command
// runs the sources until `npm install` (or `node cli/build.js`) compiles again. STRATA_CLI=sources always runs them.
//
// This file is plain JavaScript so that Node needs no type stripping for it, and its first act is to turn on Node's
// module compile cache: every module after it (ours, type-stripped, and the dependencies') is then loaded from an
// on-disk cache of its stripped source and V8 bytecode instead of being stripped and compiled again. Node keys each
// entry by the file's path and checks the source's size and hash before using it, so an edited file is stripped
// afresh (test/launcher.test.ts). The cache lives in NODE_COMPILE_CACHE, default <tmpdir>/node-compile-cache;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off. Measured (`npm run bench -- commands`): `strata --help` costs about
// what `node -e 0` does.
// Run on an older Node (`node cli/strata.js`, as the README's perf section writes it, or through cli/bin/strata.js),
// a named import of one of Node 24's exports failed to load with a SyntaxError and its stack (newcomer's trials, stops
// 46 and 50): node:module is taken whole, and the version said before anything else runs.
import * as nodeModule from 'node:module';
import { compiledEntry } from './compiled.js';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`strata needs Node 24 or later; this is Node ${process.versions.node}. Run it as \`npx strata …\` from the strata project's folder (npx puts the project's pinned Node 24 first), with --schemas and --lake naming your folders if they are elsewhere.\n`);
  process.exit(2);
}
nodeModule.enableCompileCache();

// A dependency of @middy/validator still imports the deprecated `punycode` builtin; that warning is not ours to
// show to data engineers, every other warning still prints.
const emit = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const code = typeof rest[0] === 'object' && rest[0] ? rest[0].code : rest[1];
  if (code === 'DEP0040') return;
  emit(warning, ...rest);
};
process.env.STRATA_LOG_LEVEL ??= process.argv.includes('--verbose') ? 'INFO' : 'SILENT';
// --verbose prints a failure's stack: from the compiled CLI its frames then name the TypeScript sources' files, lines
// and columns, through the source maps the build writes beside each chunk (read only when this is on).
if (process.argv.includes('--verbose')) process.setSourceMapsEnabled(true);

// A reader that closes the pipe (strata put … | head -3) ends the output, not the command: the work goes on to its
// end and its exit code, the rest of the output unwritten. Node threw EPIPE as an uncaught stack trace (an attack,
// stop 47); the writes after it fail as the stream is destroyed.
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
});

// Help and the version load next to nothing from the sources: not worth the check.
const light = ['--help', '-h', 'help', '--version', undefined].includes(process.argv[2]);
const compiled = light ? undefined : compiledEntry();
// A compiled entry that does not load (a chunk Node parses otherwise than the bundler expected) falls back too.
const { main } = (compiled && await import(compiled).catch(() => undefined)) || await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));

