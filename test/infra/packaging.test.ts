/**
 * What ends up in the deployment package and how the host runs it: host.json fits Flex Consumption
 * and one-slice-per-instance, .funcignore keeps the compiled app and drops the rest, the azd staging
 * script builds the package it should, and the app imports nothing at run time that is only a
 * devDependency (the staged package installs production dependencies only).
 */
import { builtinModules } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_SETTINGS } from '../../src/functions/app-settings.js';
import { stagePackage } from '../../infra/scripts/stage-package.mjs';
import { REPO_ROOT } from './bicep.js';
import { readJson } from './infra-helpers.js';

interface HostJson {
  version: string;
  functionTimeout?: string;
  extensionBundle: { id: string; version: string };
  extensions?: { queues?: { batchSize?: number; newBatchThreshold?: number; maxDequeueCount?: number; visibilityTimeout?: string } };
}

function seconds(timeSpan: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(timeSpan);
  if (!match) throw new Error(`not a TimeSpan: ${timeSpan}`);
  const [, days, h, m, s] = match;
  return Number(days ?? 0) * 86400 + Number(h) * 3600 + Number(m) * 60 + Number(s);
}

describe('host.json', () => {
  const host = readJson<HostJson>('host.json');

  it('uses extension bundle 4.x (what Flex Consumption requires for non-C# apps)', () => {
    expect(host.version).toBe('2.0');
    expect(host.extensionBundle).toEqual({ id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' });
  });

  it('runs one slice per instance at a time', () => {
    expect(host.extensions?.queues?.batchSize).toBe(1);
    expect(host.extensions?.queues?.newBatchThreshold).toBe(0);
    expect(host.extensions?.queues?.maxDequeueCount).toBeGreaterThanOrEqual(1);
    expect(seconds(host.extensions?.queues?.visibilityTimeout ?? '00:00:00')).toBeGreaterThan(0);
  });

  it('bounds functionTimeout, with room for the longest slice plus its start lead', () => {
    expect(host.functionTimeout, 'bounded (Flex allows -1, but a stuck slice should end)').toBeDefined();
    const timeout = seconds(host.functionTimeout!);
    const slice = Number(APP_SETTINGS.MAX_SLICE_SECONDS.default) + Number(APP_SETTINGS.START_LEAD_SECONDS.default);
    expect(timeout).toBeGreaterThan(slice + 60);
    expect(timeout).toBeLessThanOrEqual(2 * 3600);
  });
});

describe('.funcignore (Core Tools publish from the project root)', () => {
  const patterns = readFileSync(join(REPO_ROOT, '.funcignore'), 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('drops sources, tests, benchmarks, docs, infra and local settings', () => {
    for (const required of ['/src', '/test', '/bench', '/docs', '/infra', '/local.settings.json', '/local.settings.sample.json', '/dist/azure', '/dist/bench']) {
      expect(patterns, required).toContain(required);
    }
  });

  it('keeps the compiled app, package.json, host.json and node_modules', () => {
    for (const kept of ['dist', 'dist/src', 'package.json', 'package-lock.json', 'host.json', 'node_modules']) {
      const hits = patterns.filter((p) => !p.startsWith('!') && (p.replace(/^\//, '').replace(/\/$/, '') === kept || p === '*' || p === '/*'));
      expect(hits, kept).toEqual([]);
    }
  });

  it('anchors folder patterns at the root, so folders of the same name inside node_modules stay', () => {
    const unanchored = patterns.filter((p) => !p.startsWith('/') && !p.startsWith('*.'));
    expect(unanchored).toEqual([]);
  });
});

describe('infra/scripts/stage-package.mjs', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'mlload-stage-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  function fakeProject(name: string, withBuild = true): string {
    const root = join(scratch, name);
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write('host.json', '{"version":"2.0"}');
    write('package.json', JSON.stringify({ name: 'x', type: 'module', main: 'dist/src/{index.js,functions/*.js}' }));
    write('package-lock.json', '{"lockfileVersion":3}');
    write('src/index.ts', '// source');
    write('test/a.test.ts', '// test');
    write('local.settings.json', '{}');
    write('dist/bench/b.js', '// bench');
    if (withBuild) {
      write('dist/src/index.js', '// index');
      write('dist/src/index.js.map', '{}');
      write('dist/src/functions/start-run.js', '// trigger');
      write('dist/src/core/plan.js', '// core');
    }
    return root;
  }

  function listFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
      .sort();
  }

  it('stages host.json, package files and dist/src, without maps, sources, tests or benchmarks', () => {
    const root = fakeProject('ok');
    const lines: string[] = [];
    const result = stagePackage({ root, install: false, log: (line) => lines.push(line) });
    expect(result.out).toBe(join(root, 'dist', 'azure'));
    expect(listFiles(result.out)).toEqual([
      'dist/src/core/plan.js',
      'dist/src/functions/start-run.js',
      'dist/src/index.js',
      'host.json',
      'package-lock.json',
      'package.json',
    ]);
    expect(result.files).toBe(6);
    expect(lines.join('\n')).toContain('staged 6 files');
  });

  it('replaces an earlier staging', () => {
    const root = fakeProject('again');
    stagePackage({ root, install: false, log: () => {} });
    writeFileSync(join(root, 'dist', 'azure', 'stale.txt'), 'old');
    stagePackage({ root, install: false, log: () => {} });
    expect(existsSync(join(root, 'dist', 'azure', 'stale.txt'))).toBe(false);
  });

  it('refuses to stage before the build', () => {
    const root = fakeProject('unbuilt', false);
    expect(() => stagePackage({ root, install: false, log: () => {} })).toThrow(/npm run build/);
  });

  it('stages what package.json "main" points at in this repository', () => {
    const pkg = readJson<{ main: string }>('package.json');
    expect(pkg.main).toBe('dist/src/{index.js,functions/*.js}');
    expect(existsSync(join(REPO_ROOT, 'src', 'index.ts'))).toBe(true);
    expect(readdirSync(join(REPO_ROOT, 'src', 'functions')).some((f) => f.endsWith('.ts'))).toBe(true);
  });
});

describe('run-time imports', () => {
  /** Bare package names imported (values, not types) by the app's entry points and everything they import. */
  function runtimePackages(entries: string[]): Map<string, string> {
    const packages = new Map<string, string>();
    const seen = new Set<string>();
    const queue = [...entries];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const specifiers: string[] = [];
      for (const statement of source.statements) {
        if (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly && ts.isStringLiteral(statement.moduleSpecifier)) {
          const named = statement.importClause?.namedBindings;
          const onlyTypes =
            statement.importClause && !statement.importClause.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
          if (!onlyTypes) specifiers.push(statement.moduleSpecifier.text);
        } else if (ts.isExportDeclaration(statement) && !statement.isTypeOnly && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
          specifiers.push(statement.moduleSpecifier.text);
        }
      }
      ts.forEachChild(source, function dynamicImports(node: ts.Node): void {
        if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
          specifiers.push(node.arguments[0].text);
        }
        ts.forEachChild(node, dynamicImports);
      });
      for (const specifier of specifiers) {
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
          if (existsSync(target)) queue.push(target);
        } else {
          const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
          if (!packages.has(name)) packages.set(name, relative(REPO_ROOT, file));
        }
      }
    }
    return packages;
  }

  it('needs only production dependencies and Node built-ins', () => {
    const pkg = readJson<{ dependencies: Record<string, string> }>('package.json');
    const functionsDir = join(REPO_ROOT, 'src', 'functions');
    const entries = [join(REPO_ROOT, 'src', 'index.ts'), ...readdirSync(functionsDir).filter((f) => f.endsWith('.ts')).map((f) => join(functionsDir, f))];
    const used = runtimePackages(entries);
    expect(used.has('@azure/functions')).toBe(true);
    const builtins = new Set(builtinModules);
    const missing = [...used]
      .filter(([name]) => !name.startsWith('node:') && !builtins.has(name) && !(name in pkg.dependencies))
      .map(([name, from]) => `${name} (imported by ${from})`);
    expect(missing, 'the deployed package has production dependencies only: move these to "dependencies"').toEqual([]);
  });
});
