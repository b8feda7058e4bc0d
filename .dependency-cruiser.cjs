// The house's rules (README, Layout): core/ is the compiler, runtime/ executes a plan, the shells sit on top.
// `npm test` runs them (npm run boundaries); a violation names the rule and the two files.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-the-compiler',
      comment: 'core/ compiles schema files to plans: it imports nothing of the runtime or the shells.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(runtime|functions|workflows|stacks|cli|site|bench|test)/' },
    },
    {
      name: 'core-does-no-io',
      comment: 'Compiling does no I/O. Two exceptions, each said where it happens: core/schema/project.ts reads the '
        + 'schema files (the compiler\'s input), core/sql/binder.ts runs DuckDB in memory as gold SQL\'s parser and binder.',
      severity: 'error',
      from: { path: '^core/', pathNot: '^core/(schema/project|sql/binder)\\.ts$' },
      to: { path: '^(node:)?(fs|fs/promises|child_process|net|http|https|os|worker_threads|dgram|dns)$|^@aws-sdk/|^@duckdb/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'runtime-below-the-shells',
      comment: 'runtime/ executes plans through ports; it imports core/, never a shell.',
      severity: 'error',
      from: { path: '^runtime/' },
      to: { path: '^(functions|workflows|stacks|cli|site|bench|test)/' },
    },
    {
      name: 'functions-stand-alone',
      comment: 'Lambda entries and handlers import runtime/ and core/ only.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^(workflows|stacks|cli|site|bench)/' },
    },
    {
      name: 'workflows-bind-functions-only',
      comment: 'workflows/ renders the ASL and runs it locally, binding functions/ handlers in-process; no other shell.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^(stacks|cli|site|bench)/' },
    },
    {
      name: 'stacks-read-the-asl-only',
      comment: 'stacks/ renders AWS resources from plans and may import workflows/ (the ASL); no other shell.',
      severity: 'error',
      from: { path: '^stacks/' },
      to: { path: '^(functions|cli|site|bench)/' },
    },
    {
      name: 'cli-runs-workflows-only',
      comment: 'cli/ is the outermost shell: it runs the local state machine (workflows/) and writes the data docs (site/), never functions/ or stacks/ directly.',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^(functions|stacks|bench)/' },
    },
    {
      name: 'site-renders-the-model',
      comment: 'site/ renders the data docs from their model (runtime/docs/model.ts): it reads nothing of the lake, '
        + 'so it imports no other runtime/ module and no shell; cli/ gathers the model and hands it over.',
      severity: 'error',
      from: { path: '^site/' },
      to: { path: '^(functions|workflows|stacks|cli|bench|test)/|^runtime/', pathNot: '^runtime/docs/model\\.ts$' },
    },
    {
      name: 'no-circular',
      comment: 'Dependencies point one way.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|\\.sst|\\.strata)/' },
  },
};
