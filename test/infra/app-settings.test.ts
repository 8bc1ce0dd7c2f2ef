/**
 * Ties the settings the code reads (src/functions/app-settings.ts) to what Bicep and
 * local.settings.sample.json set: every setting read is set, nothing is set that nobody reads,
 * nothing is set that Flex Consumption forbids, and the tunable ones default to the code's defaults.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_SETTINGS } from '../../src/functions/app-settings.js';
import { bicepFiles, callArguments, findAll, modules, namedChildren, objectProperties, parameters, parseBicepFile } from './bicep.js';
import {
  allBicepStrings,
  APP_SETTING_NAMES,
  FLEX_FORBIDDEN_SETTINGS,
  FUNCTION_APP_BICEP,
  functionAppSettings,
  HOST_SETTING_NAMES,
  literalText,
  MAIN_BICEP,
  parameterBehind,
  readJson,
  TUNABLE_SETTINGS,
  type FunctionAppSettings,
} from './infra-helpers.js';

let bicep: FunctionAppSettings;
let setNames: string[];

beforeAll(async () => {
  bicep = await functionAppSettings();
  setNames = bicep.literal.map((s) => s.name);
});

describe('Function app settings in Bicep', () => {
  it('sets every setting the code reads, except AzureWebJobsStorage (identity-based in Azure)', () => {
    const expected = APP_SETTING_NAMES.filter((name) => name !== 'AzureWebJobsStorage');
    expect(expected.filter((name) => !setNames.includes(name))).toEqual([]);
    expect(setNames).not.toContain('AzureWebJobsStorage');
  });

  it('sets nothing that is neither read by the code (APP_SETTINGS) nor by the host (HOST_SETTINGS)', () => {
    const known = new Set<string>([...APP_SETTING_NAMES, ...HOST_SETTING_NAMES]);
    expect(setNames.filter((name) => !known.has(name))).toEqual([]);
  });

  it('sets each setting once', () => {
    expect(setNames.filter((name, i) => setNames.indexOf(name) !== i)).toEqual([]);
  });

  it('sets no setting that Flex Consumption forbids', () => {
    expect(setNames.filter((name) => (FLEX_FORBIDDEN_SETTINGS as readonly string[]).includes(name))).toEqual([]);
  });

  it('names no Flex-forbidden setting anywhere in any template (no sites/config back door)', async () => {
    const strings = await allBicepStrings();
    const hits = strings.filter(({ value }) => (FLEX_FORBIDDEN_SETTINGS as readonly string[]).includes(value));
    expect(hits).toEqual([]);
  });

  it('adds settings beyond the fixed list only through the extraAppSettings parameter', async () => {
    expect(bicep.dynamicNames).toEqual([]);
    expect(bicep.otherSources).toEqual(['extraAppSettingsList']);
    const { root } = await parseBicepFile(FUNCTION_APP_BICEP);
    const variable = findAll(root, (n) => n.type === 'variable_declaration' && namedChildren(n)[0]?.text === 'extraAppSettingsList')[0];
    expect(variable?.text).toMatch(/map\(\s*items\(\s*extraAppSettings\s*\)/);
    expect(parameters(root).get('extraAppSettings')?.defaultValue?.text).toBe('{}');
  });

  it('connects the host and the code to storage and Application Insights with the user-assigned identity', () => {
    const value = (name: string) => bicep.literal.find((s) => s.name === name)?.value.text;
    expect(value('AzureWebJobsStorage__accountName')).toBe('storage.name');
    expect(value('AzureWebJobsStorage__credential')).toBe("'managedidentity'");
    expect(value('AzureWebJobsStorage__clientId')).toBe('identity.properties.clientId');
    expect(value('AZURE_CLIENT_ID')).toBe('identity.properties.clientId');
    expect(value('APPLICATIONINSIGHTS_CONNECTION_STRING')).toBe('applicationInsights.properties.ConnectionString');
    expect(value('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe("'ClientId=${identity.properties.clientId};Authorization=AAD'");
  });

  it('keeps no Microsoft.Web/sites/config resource that could set settings past these checks', async () => {
    for (const file of bicepFiles()) {
      const { root } = await parseBicepFile(file);
      const types = findAll(root, (n) => n.type === 'resource_declaration').map((n) => namedChildren(n)[1]?.text ?? '');
      expect(types.filter((t) => /Microsoft\.Web\/sites\/config|^'config'$/.test(t)), file).toEqual([]);
    }
  });
});

describe('tunable settings are Bicep parameters with the code\'s defaults', () => {
  it('covers every MAX_* setting', () => {
    const max = APP_SETTING_NAMES.filter((name) => name.startsWith('MAX_'));
    expect(max.filter((name) => !(TUNABLE_SETTINGS as readonly string[]).includes(name))).toEqual([]);
  });

  it.each(TUNABLE_SETTINGS)('%s: function-app.bicep param ← main.bicep param (default = code default) ← main.parameters.json', async (setting) => {
    const entry = bicep.literal.find((s) => s.name === setting);
    expect(entry, `${setting} is not set`).toBeDefined();
    const param = parameterBehind(entry!.value);
    expect(param, `${setting} = ${entry!.value.text} is not a parameter (or string(parameter))`).toBeDefined();

    const codeDefault = APP_SETTINGS[setting].default;
    const appModule = parameters((await parseBicepFile(FUNCTION_APP_BICEP)).root).get(param!);
    expect(appModule, `${FUNCTION_APP_BICEP} has no param ${param}`).toBeDefined();
    if (appModule!.defaultValue) expect(literalText(appModule!.defaultValue)).toBe(codeDefault);

    const main = await parseBicepFile(MAIN_BICEP);
    const mainParam = parameters(main.root).get(param!);
    expect(mainParam, `${MAIN_BICEP} has no param ${param}`).toBeDefined();
    expect(literalText(mainParam!.defaultValue), `${MAIN_BICEP} param ${param} default`).toBe(codeDefault);

    const functionAppModule = modules(main.root).find((m) => m.path === 'app/function-app.bicep');
    const passed = objectProperties(objectProperties(functionAppModule?.body).get('params')).get(param!);
    expect(passed?.text, `main.bicep passes ${param} to the function app module`).toBe(param);

    const parametersFile = readJson<{ parameters: Record<string, { value: unknown }> }>('infra/main.parameters.json');
    expect(parametersFile.parameters[param!]?.value, `main.parameters.json maps ${param} to the environment variable ${setting}`).toBe(`\${${setting}}`);
  });

  it('numeric tunables are int parameters with lower bounds', async () => {
    const main = parameters((await parseBicepFile(MAIN_BICEP)).root);
    for (const setting of TUNABLE_SETTINGS) {
      if (!/^\d+$/.test(APP_SETTINGS[setting].default)) continue;
      const entry = bicep.literal.find((s) => s.name === setting)!;
      const declaration = main.get(parameterBehind(entry.value)!)!;
      expect(declaration.type, setting).toBe('int');
      const min = declaration.decorators.get('minValue');
      expect(min, `${setting} has @minValue`).toBeDefined();
      const floor = Number(callArguments(min!)[0]?.text);
      expect(floor).toBe(setting === 'START_LEAD_SECONDS' ? 0 : 1);
    }
  });

  it('MAX_SLICE_SECONDS cannot exceed what host.json functionTimeout allows', async () => {
    const host = readJson<{ functionTimeout: string }>('host.json');
    const [h, m, s] = host.functionTimeout.split(':').map(Number);
    const timeoutSeconds = h! * 3600 + m! * 60 + s!;
    const main = parameters((await parseBicepFile(MAIN_BICEP)).root);
    const max = Number(callArguments(main.get('maxSliceSeconds')!.decorators.get('maxValue')!)[0]?.text);
    const lead = Number(literalText(main.get('startLeadSeconds')!.defaultValue));
    expect(max + lead).toBeLessThan(timeoutSeconds);
  });
});

describe('local.settings.sample.json', () => {
  const sample = readJson<{ IsEncrypted: boolean; Values: Record<string, string> }>('local.settings.sample.json');

  it('sets every setting the code reads, with the code\'s default (Azurite for storage)', () => {
    for (const name of APP_SETTING_NAMES) {
      expect(Object.keys(sample.Values), name).toContain(name);
      const expected = name === 'AzureWebJobsStorage' ? 'UseDevelopmentStorage=true' : APP_SETTINGS[name].default;
      expect(sample.Values[name], name).toBe(expected);
    }
  });

  it('sets nothing that is neither an app setting nor a host setting', () => {
    const known = new Set<string>([...APP_SETTING_NAMES, ...HOST_SETTING_NAMES]);
    expect(Object.keys(sample.Values).filter((name) => !known.has(name))).toEqual([]);
  });

  it('sets no Flex-forbidden setting but FUNCTIONS_WORKER_RUNTIME=node (Core Tools needs it locally)', () => {
    const forbidden = Object.keys(sample.Values).filter((name) => (FLEX_FORBIDDEN_SETTINGS as readonly string[]).includes(name));
    expect(forbidden.filter((name) => name !== 'FUNCTIONS_WORKER_RUNTIME')).toEqual([]);
    if ('FUNCTIONS_WORKER_RUNTIME' in sample.Values) expect(sample.Values.FUNCTIONS_WORKER_RUNTIME).toBe('node');
    expect(sample.IsEncrypted).toBe(false);
  });
});
