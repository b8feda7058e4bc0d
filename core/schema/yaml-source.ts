// A parsed YAML document that remembers where every value came from, so diagnostics can name file:line:column.
import { isAlias, isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Diagnostic } from './diagnostics.ts';

export type Path = ReadonlyArray<string | number>;

export class YamlSource {
  readonly file: string;
  readonly text: string;
  readonly doc: Document;
  private readonly lines: LineCounter;

  constructor(file: string, text: string) {
    this.file = file;
    this.text = text;
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
  }

  /**
   * YAML syntax errors (and duplicate keys), as diagnostics: every duplicate key, and the first syntax error only,
   * saying how many followed it. The parser reports one error per token after a broken line, most of them caused by
   * it (a missing colon after columns made 126 errors, one for every later token: newcomer's trial, stop 44).
   */
  syntaxDiagnostics(): Diagnostic[] {
    const syntax = this.doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY');
    const shown = this.doc.errors.filter((e) => e.code === 'DUPLICATE_KEY' || e === syntax[0]);
    return shown.map((e) => {
      const pos = this.lines.linePos(e.pos[0]);
      const more = e === syntax[0] && syntax.length > 1 ? ` (and ${syntax.length - 1} more YAML error${syntax.length > 2 ? 's' : ''} after it, most likely caused by it: fix this one and run strata check again)` : '';
      const message = e.code === 'DUPLICATE_KEY' ? 'duplicate key in mapping' : `${e.message.split('\n')[0]!}${more}`;
      return { file: this.file, line: pos.line, column: pos.col, severity: 'error' as const, message,
        fix: e.code === 'DUPLICATE_KEY' ? 'remove one of the two keys' : 'fix the YAML syntax at this position' };
    });
  }

  toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
  }

  /**
   * The text a plain scalar at `path` was written as, when YAML read it as a number that does not print back as that
   * text: 0.123456789012345678 is the double 0.12345678901234568, 99999999999999.99 is …98, 007 is 7, 1.10 is 1.1, 1e2
   * is 100, 0x1F is 31, .inf is Infinity (YAML 1.2's core schema, which the parser follows); of an alias, its anchor's.
   * undefined for any other node (a quoted or block scalar, a number that prints back as written, a missing path).
   */
  reprinted(path: Path): { text: string; value: number } | undefined {
    // An alias is its anchor's node: `max: *m` took the double while `&m` took the text (an attack, stop 58).
    const found = this.doc.getIn(path as Array<string | number>, true);
    const node = isAlias(found) ? found.resolve(this.doc) : found;
    if (!isScalar(node) || typeof node.value !== 'number' || node.type !== 'PLAIN' || node.source === undefined) return undefined;
    return node.source !== String(node.value) ? { text: node.source, value: node.value } : undefined;
  }

  /** Line and column of the value at path; of the key itself when `key` is true; else of the nearest parent. */
  position(path: Path, key = false): { line: number; column: number } {
    for (let n = path.length; n >= 0; n--) {
      const sub = path.slice(0, n);
      const node = key && n === path.length ? this.keyNode(sub) : (this.doc.getIn(sub as Array<string | number>, true) as Node | undefined);
      const range = node && 'range' in node ? node.range : undefined;
      if (range) {
        const p = this.lines.linePos(range[0]);
        return { line: p.line, column: p.col };
      }
    }
    return { line: 1, column: 1 };
  }

  private keyNode(path: Path): Node | undefined {
    if (path.length === 0) return undefined;
    const parent = this.doc.getIn(path.slice(0, -1) as Array<string | number>, true);
    const last = path[path.length - 1];
    if (!isMap(parent)) return undefined;
    for (const item of parent.items) {
      if (isPair(item) && isScalar(item.key) && item.key.value === last) return item.key as Node;
    }
    return undefined;
  }

  diagnostic(path: Path, message: string, fix?: string, opts: { key?: boolean; severity?: 'error' | 'warning' } = {}): Diagnostic {
    const { line, column } = this.position(path, opts.key ?? false);
    return { file: this.file, line, column, severity: opts.severity ?? 'error', message, ...(fix ? { fix } : {}) };
  }
}
