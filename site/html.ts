// HTML as tagged templates: every interpolated value is escaped unless it is already Html (built by `html` or
// marked `raw`). Arrays are joined. That one rule is what keeps table names, SQL and error messages from ever
// becoming markup.

export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

export type Value = Html | string | number | boolean | null | undefined | readonly Value[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

function render(v: Value): string {
  if (v instanceof Html) return v.text;
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => { out += render(v) + strings[i + 1]!; });
  return new Html(out);
}

/** Markup made elsewhere (SVG from the graph renderer). */
export function raw(text: string): Html {
  return new Html(text);
}

/**
 * JSON inside <script type="application/json">: `<` is written as \u003c so no value can close the element
 * (JSON.parse reads it back unchanged), and U+2028/U+2029 are escaped for older parsers.
 */
export function jsonScript(value: unknown, attrs = ''): Html {
  const json = JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return new Html(`<script type="application/json"${attrs ? ` ${attrs}` : ''}>${json}</script>`);
}
