// What every strata command is: options, usage, and a run function returning the exit code (cli/main.ts dispatches
// and holds each command's one-line summary, so that `strata --help` imports no command).

export interface GlobalOptions {
  lake?: string;
  schemas?: string;
  json: boolean;
  verbose: boolean;
}

export interface Command {
  usage: string;
  options?: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; description: string }>;
  run: (args: { positionals: string[]; values: Record<string, unknown>; global: GlobalOptions }) => Promise<number>;
}
