// A number as its exact decimal text (runtime/engine/exact-values.ts makes them from DuckDB values). In a module of
// its own, without DuckDB, so that what prints values (cli/output.ts, loaded by every command and by --help) loads
// no DuckDB.

/** A number as its exact decimal text. In JSON it is written as that number literal, digit for digit. */
export class ExactNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
  toJSON(): unknown {
    return (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(this.text);
  }
}
