/** What the infra tests share: the settings lists and the Function app's app settings read from Bicep. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_SETTINGS, HOST_SETTINGS } from '../../src/functions/app-settings.js';
import {
  bicepFiles,
  calleeName,
  callArguments,
  findAll,
  namedChildren,
  objectPath,
  objectProperties,
  parseBicepFile,
  REPO_ROOT,
  resources,
  stringValue,
  type Node,
} from './bicep.js';

export const APP_SETTING_NAMES = Object.keys(APP_SETTINGS) as (keyof typeof APP_SETTINGS)[];
export const HOST_SETTING_NAMES: readonly string[] = HOST_SETTINGS;

/** Settings the Flex Consumption plan rejects or ignores (runtime, version and package live in functionAppConfig). */
export const FLEX_FORBIDDEN_SETTINGS = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'ENABLE_ORYX_BUILD',
  'WEBSITE_TIME_ZONE',
  'TZ',
] as const;

/** App settings that are Bicep parameters in main.bicep, with the code's default as their default. */
export const TUNABLE_SETTINGS = [
  'ALLOWED_TARGET_HOSTS',
  'MAX_RPS',
  'MAX_DURATION_SECONDS',
  'MAX_WORKERS',
  'MAX_SLICE_SECONDS',
  'START_LEAD_SECONDS',
  'SLICE_GRACE_SECONDS',
  'WORKER_MAX_RPS',
  'WORKER_MAX_CONNECTIONS',
  'MAX_BODY_BYTES',
  'MAX_RESPONSE_BYTES',
  'FLEX_GB_SECOND_PRICE',
  'NIGHTLY_SCHEDULE',
] as const;

export const FUNCTION_APP_BICEP = 'infra/app/function-app.bicep';
export const MAIN_BICEP = 'infra/main.bicep';

export function readJson<T = unknown>(relPath: string): T {
  return JSON.parse(readFileSync(join(REPO_ROOT, relPath), 'utf8')) as T;
}

export interface BicepAppSetting {
  name: string;
  value: Node;
}

export interface FunctionAppSettings {
  /** Settings with a literal name, in order. */
  literal: BicepAppSetting[];
  /** Setting entries whose name is an expression (only the extraAppSettings pass-through is allowed). */
  dynamicNames: string[];
  /** Arguments of the appSettings expression that are not array literals (e.g. extraAppSettingsList). */
  otherSources: string[];
  site: Node;
}

/** The site resource of function-app.bicep and the settings of its siteConfig.appSettings. */
export async function functionAppSettings(): Promise<FunctionAppSettings> {
  const { root } = await parseBicepFile(FUNCTION_APP_BICEP);
  const sites = resources(root).filter((r) => r.type.startsWith('Microsoft.Web/sites@') && !r.existing);
  if (sites.length !== 1 || !sites[0]!.body) throw new Error(`expected one Microsoft.Web/sites resource in ${FUNCTION_APP_BICEP}, found ${sites.length}`);
  const site = sites[0]!.body!;
  const appSettings = objectPath(site, 'properties', 'siteConfig', 'appSettings');
  if (!appSettings) throw new Error('the site has no properties.siteConfig.appSettings');
  const arrays: Node[] = [];
  const otherSources: string[] = [];
  if (appSettings.type === 'array') arrays.push(appSettings);
  else if (calleeName(appSettings) === 'concat') {
    for (const arg of callArguments(appSettings)) {
      if (arg.type === 'array') arrays.push(arg);
      else otherSources.push(arg.text);
    }
  } else otherSources.push(appSettings.text);
  const literal: BicepAppSetting[] = [];
  const dynamicNames: string[] = [];
  for (const array of arrays) {
    for (const item of namedChildren(array)) {
      if (item.type === 'comment') continue;
      const props = objectProperties(item);
      const nameNode = props.get('name');
      const value = props.get('value');
      if (!nameNode || !value) throw new Error(`app setting entry without name and value: ${item.text}`);
      const name = stringValue(nameNode);
      if (name === undefined) dynamicNames.push(nameNode.text);
      else literal.push({ name, value });
    }
  }
  return { literal, dynamicNames, otherSources, site };
}

/** `P` or `string(P)` → P; anything else → undefined. */
export function parameterBehind(value: Node): string | undefined {
  if (value.type === 'identifier') return value.text;
  if (calleeName(value) === 'string') {
    const [arg] = callArguments(value);
    if (arg?.type === 'identifier') return arg.text;
  }
  return undefined;
}

/** Text of a literal default: strings decoded, numbers and booleans as written. */
export function literalText(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  const text = stringValue(node);
  if (text !== undefined) return text;
  if (node.type === 'number' || node.type === 'boolean' || /^-?\d+$/.test(node.text) || /^(true|false)$/.test(node.text)) return node.text;
  return undefined;
}

/** Every plain string literal in every .bicep file, with where it is. */
export async function allBicepStrings(): Promise<{ file: string; value: string }[]> {
  const found: { file: string; value: string }[] = [];
  for (const file of bicepFiles()) {
    const { root } = await parseBicepFile(file);
    for (const node of findAll(root, (n) => n.type === 'string')) {
      const value = stringValue(node);
      if (value !== undefined) found.push({ file, value });
    }
  }
  return found;
}
