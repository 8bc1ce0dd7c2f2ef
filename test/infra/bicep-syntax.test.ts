import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bicepFiles, formatProblems, modules, parseBicep, parseBicepFile, REPO_ROOT, stringValue, findAll } from './bicep.js';

const files = bicepFiles();

describe('Bicep files parse (tree-sitter-bicep grammar, offline)', () => {
  it('finds the templates', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'infra/main.bicep',
        'infra/app/function-app.bicep',
        'infra/app/identity.bicep',
        'infra/app/ml-endpoint-access.bicep',
        'infra/app/monitoring.bicep',
        'infra/app/rbac.bicep',
        'infra/app/storage.bicep',
      ]),
    );
  });

  it.each(files)('%s has no syntax error', async (file) => {
    const { problems } = await parseBicepFile(file);
    expect(formatProblems(file, problems)).toBe('');
  });

  it.each(files)('%s uses only local modules that exist (no registry modules to restore)', async (file) => {
    const { root } = await parseBicepFile(file);
    for (const module of modules(root)) {
      expect(module.path, `${file}: module ${module.symbol}`).not.toMatch(/^(br|ts)[:/]/);
      expect(existsSync(join(REPO_ROOT, dirname(file), module.path)), `${file}: ${module.path}`).toBe(true);
    }
  });

  it.each(files)('%s loads only JSON files that exist', async (file) => {
    const { root } = await parseBicepFile(file);
    const loads = findAll(root, (n) => n.type === 'call_expression' && /^load(Json|Text|Yaml)Content$/.test(n.childForFieldName('function')?.text ?? ''));
    for (const load of loads) {
      const path = stringValue(load.childForFieldName('arguments')?.namedChildren[0]);
      expect(path, `${file}: ${load.text}`).toBeDefined();
      expect(existsSync(join(REPO_ROOT, dirname(file), path!)), `${file}: ${path}`).toBe(true);
    }
  });
});

describe('the parse check catches broken Bicep', () => {
  const broken: Record<string, string> = {
    'an unclosed object': "resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'x'\n",
    'an unterminated string': "param location string = 'westeurope\n",
    'a parameter default without =': "param maxRps int 1000\n",
    'a resource without =': "resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' {\n  name: 'x'\n}\n",
    'an output without a value': 'output url string =\n',
    'a dangling operator': 'var x = 1 +\n',
    'an unbalanced call': "var y = concat([1], [2]\n",
  };

  it.each(Object.entries(broken))('reports %s', async (_, text) => {
    const { problems, root } = await parseBicep(text);
    expect(root.hasError).toBe(true);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.line).toBeGreaterThanOrEqual(1);
  });

  it('accepts the constructs the templates rely on', async () => {
    const text = [
      "targetScope = 'subscription'",
      "@metadata({ azd: { type: 'location' } })",
      'param location string',
      "var settings = map(items({ A: 'b' }), s => { name: s.key, value: string(s.value) })",
      "resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {",
      "  name: 'rg-${location}'",
      '  location: location',
      '}',
      "module m 'app/x.bicep' = if (!empty(location)) {",
      "  name: 'm'",
      '  scope: resourceGroup(rg.name)',
      '  params: {',
      '    list: concat(',
      '      [',
      "        { name: 'A', value: 'b' }",
      '      ],',
      '      settings',
      '    )',
      '  }',
      '  dependsOn: [',
      '    rg',
      '  ]',
      '}',
      "output o string = !empty(location) ? m.outputs.x : ''",
    ].join('\n');
    const { problems } = await parseBicep(text);
    expect(formatProblems('snippet', problems)).toBe('');
  });
});
