import { escapeHtml } from './html-escape.js';

/**
 * How a column lays out: `key` a short label or code that never wraps, `num` a right-aligned figure,
 * `text` prose, `wrap` text that may break anywhere (URLs, names and values users wrote).
 */
export type Column = 'key' | 'num' | 'text' | 'wrap';

/** A table from cells that are already HTML. */
export function table(headers: readonly string[], columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cls = (i: number) => ` class="${columns[i] ?? 'text'}"`;
  return `<div class="table-wrap"><table>
<thead><tr>${headers.map((h, i) => `<th scope="col"${columns[i] === 'num' ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.map((row) => `<tr>${row.map((cell, i) => `<td${cls(i)}>${cell}</td>`).join('')}</tr>`).join('\n')}
</tbody></table></div>`;
}
