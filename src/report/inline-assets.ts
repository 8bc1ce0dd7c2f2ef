import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inlineSafe } from './html-escape.js';

/** The chart library's files, read from its npm package so the report never needs a CDN. */
export interface InlineAssets {
  /** uPlot's browser build (defines the global `uPlot`), safe to put inside <script>. */
  uplotJs: string;
  /** uPlot's stylesheet, safe to put inside <style>. */
  uplotCss: string;
}

let cached: InlineAssets | undefined;

/** Reads uPlot once per process; every report after the first reuses the text. */
export function inlineAssets(): InlineAssets {
  if (cached === undefined) {
    const require = createRequire(import.meta.url);
    const read = (file: string) => readFileSync(require.resolve(file), 'utf8');
    cached = {
      // Kept with its banner comment (name, version, home page): attribution, never fetched.
      uplotJs: inlineSafe(read('uplot/dist/uPlot.iife.min.js'), 'script'),
      uplotCss: inlineSafe(read('uplot/dist/uPlot.min.css'), 'style'),
    };
  }
  return cached;
}
