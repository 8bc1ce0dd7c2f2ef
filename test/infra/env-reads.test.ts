/**
 * Every environment read in src/ is an app setting listed in APP_SETTINGS (so Bicep and
 * local.settings.sample.json set it), a well-known runtime marker, or a dynamically named read in a
 * file that is allowed one. Reads are found with the TypeScript parser, not with regular expressions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { APP_SETTINGS } from '../../src/functions/app-settings.js';
import { REPO_ROOT } from './bicep.js';

/** Variables the platform or the shell sets, read on purpose, never set as app settings. */
const RUNTIME_MARKERS: Record<string, string> = {
  IDENTITY_ENDPOINT: 'set by App Service / Functions where a managed identity is available: tells Azure from a laptop',
  MSI_ENDPOINT: 'older name of IDENTITY_ENDPOINT, same use',
  WEBSITE_INSTANCE_ID: 'set on every App Service / Functions instance, same use',
  MLLOAD_DEBUG: 'CLI only: print stack traces on errors',
  NO_COLOR: 'CLI only: the no-color.org convention for plain output',
  CI: 'CLI only: --open never opens a browser when CI is set (src/cli/open-report.ts)',
};

/** Files allowed to read a variable whose name is only known at run time, and why. */
const DYNAMIC_READS: Record<string, string> = {
  'src/functions/app-settings.ts': 'readAppSettings reads exactly the APP_SETTINGS names (checked below)',
  'src/adapters/key-token-provider.ts': "a key-auth plan names the setting that holds the endpoint key (target.auth.setting); it is the deployer's to add",
  'src/core/template.ts': '{{env:NAME}} placeholders in plan headers and bodies',
  'src/cli/commands/sim-command.ts': 'mlload sim --key-env NAME (local simulator)',
};

interface EnvRead {
  file: string;
  line: number;
  /** The variable name, or undefined for a dynamically named read. */
  name?: string;
  text: string;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files.sort();
}

/** `process.env`, or an expression ending in an identifier named `env` (`env`, `this.env`, `options.env`). */
function isEnvObject(node: ts.Expression): boolean {
  const inner = ts.isNonNullExpression(node) || ts.isParenthesizedExpression(node) ? node.expression : node;
  if (ts.isPropertyAccessExpression(inner)) return inner.name.text === 'env';
  if (ts.isIdentifier(inner)) return inner.text === 'env';
  return false;
}

function envReads(file: string, text: string): EnvRead[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const reads: EnvRead[] = [];
  const record = (node: ts.Node, name: string | undefined) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    reads.push({ file, line: line + 1, name, text: node.getText(source) });
  };
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAccessExpression(node) && isEnvObject(node.expression)) record(node, node.name.text);
    else if (ts.isElementAccessExpression(node) && isEnvObject(node.expression)) {
      const arg = node.argumentExpression;
      record(node, ts.isStringLiteralLike(arg) ? arg.text : undefined);
    } else if (ts.isVariableDeclaration(node) && node.initializer && isEnvObject(node.initializer) && ts.isObjectBindingPattern(node.name)) {
      for (const element of node.name.elements) {
        const key = element.propertyName ?? element.name;
        record(element, ts.isIdentifier(key) || ts.isStringLiteralLike(key) ? key.text : undefined);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return reads;
}

const files = sourceFiles(join(REPO_ROOT, 'src'));
const reads = files.flatMap((path) => envReads(relative(REPO_ROOT, path).split('\\').join('/'), readFileSync(path, 'utf8')));

describe('environment reads in src/', () => {
  it('finds the reads it must (sanity check of the scanner)', () => {
    expect(reads.some((r) => r.name === 'NIGHTLY_SCHEDULE')).toBe(true);
    expect(reads.some((r) => r.file === 'src/functions/app-settings.ts' && r.name === undefined)).toBe(true);
  });

  it('reads by name only settings in APP_SETTINGS or runtime markers', () => {
    const known = new Set([...Object.keys(APP_SETTINGS), ...Object.keys(RUNTIME_MARKERS)]);
    const unknown = reads.filter((r) => r.name !== undefined && !known.has(r.name)).map((r) => `${r.file}:${r.line} ${r.text}`);
    expect(unknown, 'add the setting to APP_SETTINGS (and Bicep, local.settings.sample.json) or, for a platform variable, to RUNTIME_MARKERS with a reason').toEqual([]);
  });

  it('reads dynamically named variables only in the files allowed to', () => {
    const dynamic = reads.filter((r) => r.name === undefined && !(r.file in DYNAMIC_READS)).map((r) => `${r.file}:${r.line} ${r.text}`);
    expect(dynamic).toEqual([]);
  });

  it('readAppSettings reads every APP_SETTINGS entry by its literal name', () => {
    const file = join(REPO_ROOT, 'src/functions/app-settings.ts');
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    let body: ts.Node | undefined;
    ts.forEachChild(source, (node) => {
      if (ts.isFunctionDeclaration(node) && node.name?.text === 'readAppSettings') body = node.body;
    });
    expect(body, 'readAppSettings is defined').toBeDefined();
    const literals = new Set<string>();
    const collect = (node: ts.Node) => {
      if (ts.isStringLiteralLike(node)) literals.add(node.text);
      ts.forEachChild(node, collect);
    };
    collect(body!);
    expect(Object.keys(APP_SETTINGS).filter((name) => !literals.has(name))).toEqual([]);
  });
});

describe('the scanner', () => {
  it('sees property, element and destructuring reads, static and dynamic', () => {
    const found = envReads(
      'x.ts',
      [
        'const a = process.env.ALPHA;',
        "const b = process.env['BETA'];",
        'const c = env.GAMMA ?? this.env[name];',
        'const { DELTA, EPSILON: e } = process.env;',
        'const f = options.env?.ZETA;',
        'const g = { ...process.env, ETA: "1" };',
      ].join('\n'),
    );
    expect(found.map((r) => r.name ?? '<dynamic>')).toEqual(['ALPHA', 'BETA', 'GAMMA', '<dynamic>', 'DELTA', 'EPSILON', 'ZETA']);
  });
});
