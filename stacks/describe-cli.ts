// node stacks/describe-cli.ts <schema folder>: the lake model as JSON on stdout, or the schema errors on stderr
// (exit 1). Run by sst.config.ts in a child process (see stacks/model.ts).
import { resolve } from 'node:path';
import { describeProject } from './describe.ts';

const dir = resolve(process.argv[2] ?? 'schemas');
const { model, errors } = await describeProject(dir);
if (!model) {
  process.stderr.write(`${errors.join('\n')}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(JSON.stringify(model));
}
