/**
 * Escaping for every place a report puts text: element content, attribute values and inline JSON.
 * Anything that came from a user (names, tags, URLs, reasons, deployment names) goes through here.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe inside element content and inside quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
}

/**
 * JSON safe inside `<script type="application/json">`: `<` becomes \u003c so no `</script>` or `<!--`
 * can close or confuse the block; U+2028/2029 are escaped so the text is also valid JavaScript.
 * JSON.parse turns every escape back into the original character.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * A fragment identifier built from arbitrary text: letters, digits, `-` and `_` only, so it is safe in
 * `id="…"` and `href="#…"` without further escaping.
 */
export function safeId(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return cleaned === '' ? 'section' : /^[A-Za-z]/.test(cleaned) ? cleaned : `s-${cleaned}`;
}

/**
 * Inline code (a script or style body) that cannot end its own element early: `</script`, `</style`
 * and `<!--` are broken up. Inside JS strings and regexes `<\/` means the same as `</`.
 */
export function inlineSafe(code: string, tag: 'script' | 'style'): string {
  if (tag === 'script') return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  return code.replace(/<\/(style)/gi, '<\\/$1');
}
