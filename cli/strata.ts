#!/usr/bin/env node
// The entry `bin` named before cli/strata.js. npx keeps the bin link it made on first use in its cache
// (~/.npm/_npx/) and never re-reads package.json for a local project, so an existing checkout still starts here.
// It costs Node's TypeScript stripper (about 50 ms); the bin, cli/strata.js, does not need it.
await import('./strata.js');
