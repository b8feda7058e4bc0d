#!/usr/bin/env node
// `npx strata` and `npm exec strata` start here: node_modules/.bin/strata links to this file (npm links a workspace's
// bins at `npm install`). The command itself is cli/strata.js.
//
// Why a workspace and not the root package's "bin": for a bin of the project's own package.json, npm 11's exec installs
// the project into its npx cache (~/.npm/_npx/) and reads both node_modules trees on every call, about 0.6 s before
// the command starts; a bin already in node_modules/.bin is run directly (libnpmexec: the local package's bins are
// looked up first, then node_modules/.bin). Measured with `npm run bench -- commands`.
//
// Run on an older Node (this file called by its path, outside npx), the command failed to load with a SyntaxError on
// one of Node 24's exports (newcomer's trial, stop 46): this file imports nothing, so it can say what to do instead.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`strata needs Node 24 or later; this is Node ${process.versions.node}. Run it as \`npx strata …\` from the strata project's folder (npx puts the project's pinned Node 24 first), with --schemas and --lake naming your folders if they are elsewhere.\n`);
  process.exit(2);
}
await import('../strata.js');
