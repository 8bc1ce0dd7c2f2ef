import { describe, expect, it } from 'vitest';
import { escapeHtml, inlineSafe, jsonForScript, safeId } from '../../src/report/html-escape.js';

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<script>alert("x" & 'y')</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;');
  });

  it('turns anything into text', () => {
    expect(escapeHtml(42)).toBe('42');
    expect(escapeHtml(true)).toBe('true');
    expect(escapeHtml('plain')).toBe('plain');
  });
});

describe('jsonForScript', () => {
  const tricky = { name: '</script><script>alert(1)</script>', comment: '<!-- x -->', amp: 'a & b', lines: 'a\u2028b\u2029c' };

  it('cannot close or open a tag inside <script type="application/json">', () => {
    const text = jsonForScript(tricky);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
  });

  it('reads back to the same value', () => {
    expect(JSON.parse(jsonForScript(tricky))).toEqual(tricky);
  });
});

describe('safeId', () => {
  it('keeps letters, digits, - and _, and starts with a letter', () => {
    expect(safeId('baseline-verdict')).toBe('baseline-verdict');
    expect(safeId('a"><img src=x>')).toBe('a-img-src-x');
    expect(safeId('42 nines')).toBe('s-42-nines');
    expect(safeId('<>')).toBe('section');
  });
});

describe('inlineSafe', () => {
  it('breaks up an end tag inside inline code', () => {
    expect(inlineSafe('var s = "</script>"; // <!--', 'script')).toBe('var s = "<\\/script>"; // <\\!--');
    expect(inlineSafe('a::after { content: "</STYLE>" }', 'style')).toBe('a::after { content: "<\\/STYLE>" }');
  });
});
