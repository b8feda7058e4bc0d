#!/usr/bin/env node
// `npx strata` and `npm exec strata` start here: node_modules/.bin/strata links to this file (npm links a workspace's
// bins at `npm install`). The command itself is cli/strata.js.
//
// Why a workspace and not the root package's "bin": for a bin of the project's own package.json, npm 11's exec installs
// the project into its npx cache (~/.npm/_npx/) and reads both node_modules trees on every call, about 0.6 s before
// the command starts; a bin already in node_modules/.bin is run directly (libnpmexec: the local package's bins are
// looked up first, then node_modules/.bin). Measured with `npm run bench -- commands`.
// (cli/strata.js says what to do on a Node older than 24 before it loads anything else.)
await import('../strata.js');
