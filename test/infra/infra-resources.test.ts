/**
 * Structural checks of the templates that a Bicep compiler would not make: role ids and role
 * assignment names, the storage account's security settings, the Flex Consumption shape, outputs,
 * and the azd wiring (azure.yaml, main.parameters.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  bicepFiles,
  callArguments,
  calleeName,
  findAll,
  modules,
  namedChildren,
  objectPath,
  objectProperties,
  parameters,
  parseBicepFile,
  REPO_ROOT,
  resources,
  stringValue,
  type Node,
  type ResourceDeclaration,
} from './bicep.js';
import { FUNCTION_APP_BICEP, literalText, MAIN_BICEP, readJson } from './infra-helpers.js';

const ROLE = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  azureMlDataScientist: 'f6c7c914-8db3-469d-8ca1-694a8f32e121',
  monitoringReader: '43d0d8ad-25c7-4714-9337-8ba259a9fe05',
  logAnalyticsReader: '73c42c96-874c-492b-b04d-ab87d138a893',
} as const;

async function root(file: string): Promise<Node> {
  return (await parseBicepFile(file)).root;
}

/** `var x = '…'` string variables of a file. */
function stringVariables(file: Node): Map<string, string> {
  const vars = new Map<string, string>();
  for (const declaration of findAll(file, (n) => n.type === 'variable_declaration')) {
    const [name, value] = namedChildren(declaration).filter((c) => c.type !== 'comment');
    const text = stringValue(value);
    if (name && text !== undefined) vars.set(name.text, text);
  }
  return vars;
}

function propertyText(body: Node | undefined, ...path: string[]): string | undefined {
  return objectPath(body, ...path)?.text;
}

function apiVersion(resource: ResourceDeclaration): string {
  return resource.type.split('@')[1] ?? '';
}

describe('role assignments', () => {
  let assignments: { file: string; resource: ResourceDeclaration; vars: Map<string, string>; params: ReturnType<typeof parameters> }[];

  beforeAll(async () => {
    assignments = [];
    for (const file of bicepFiles()) {
      const tree = await root(file);
      for (const resource of resources(tree)) {
        if (resource.type.startsWith('Microsoft.Authorization/roleAssignments@')) {
          assignments.push({ file, resource, vars: stringVariables(tree), params: parameters(tree) });
        }
      }
    }
  });

  /** The role definition id an assignment grants: a var or param holding the GUID. */
  function grantedRole(a: (typeof assignments)[number]): string | undefined {
    const definition = objectPath(a.resource.body, 'properties', 'roleDefinitionId');
    if (!definition || calleeName(definition) !== 'subscriptionResourceId') return undefined;
    const [type, id] = callArguments(definition);
    if (stringValue(type) !== 'Microsoft.Authorization/roleDefinitions' || !id) return undefined;
    return stringValue(id) ?? a.vars.get(id.text) ?? literalText(a.params.get(id.text)?.defaultValue);
  }

  it('grants the app identity Blob Data Owner, Queue Data Contributor and Table Data Contributor on the storage account', () => {
    const rbac = assignments.filter((a) => a.file === 'infra/app/rbac.bicep');
    for (const role of [ROLE.storageBlobDataOwner, ROLE.storageQueueDataContributor, ROLE.storageTableDataContributor]) {
      const match = rbac.find((a) => grantedRole(a) === role && propertyText(a.resource.body, 'properties', 'principalId') === 'identityPrincipalId');
      expect(match, `role ${role}`).toBeDefined();
      expect(propertyText(match!.resource.body, 'scope')).toBe('storageAccount');
      expect(match!.resource.condition, 'unconditional').toBeUndefined();
    }
  });

  it('grants the app identity Monitoring Metrics Publisher on Application Insights', () => {
    const match = assignments.find((a) => grantedRole(a) === ROLE.monitoringMetricsPublisher);
    expect(match).toBeDefined();
    expect(propertyText(match!.resource.body, 'scope')).toBe('applicationInsights');
    expect(propertyText(match!.resource.body, 'properties', 'principalId')).toBe('identityPrincipalId');
  });

  it('grants scoring on the endpoint with AzureML Data Scientist by default', async () => {
    const match = assignments.find((a) => a.file === 'infra/app/ml-endpoint-access.bicep');
    expect(match).toBeDefined();
    expect(grantedRole(match!)).toBe(ROLE.azureMlDataScientist);
    expect(propertyText(match!.resource.body, 'scope')).toBe('endpoint');
    const endpoint = resources(await root('infra/app/ml-endpoint-access.bicep')).find((r) => r.symbol === 'endpoint');
    expect(endpoint?.existing).toBe(true);
    expect(endpoint?.type).toMatch(/^Microsoft\.MachineLearningServices\/workspaces\/onlineEndpoints@/);
    expect(propertyText(endpoint?.body, 'parent')).toBe('workspace');
    const main = parameters(await root(MAIN_BICEP));
    expect(literalText(main.get('mlScoringRoleDefinitionId')?.defaultValue)).toBe(ROLE.azureMlDataScientist);
  });

  it('grants Monitoring Reader on the endpoint and Log Analytics Reader on the traffic-log workspace, each only when named', async () => {
    const reader = assignments.filter((a) => a.file === 'infra/app/monitoring-reader.bicep');
    const onEndpoint = reader.find((a) => grantedRole(a) === ROLE.monitoringReader);
    const onWorkspace = reader.find((a) => grantedRole(a) === ROLE.logAnalyticsReader);
    expect(propertyText(onEndpoint?.resource.body, 'scope')).toBe('endpoint');
    expect(propertyText(onWorkspace?.resource.body, 'scope')).toBe('logAnalytics');
    expect(onEndpoint?.resource.condition?.text).toBe('(grantEndpoint)');
    expect(onWorkspace?.resource.condition?.text).toBe('(grantWorkspace)');
    const used = modules(await root(MAIN_BICEP)).filter((m) => m.path === 'app/monitoring-reader.bicep');
    expect(used.map((m) => m.condition?.text).sort()).toEqual(['(grantEndpointMetrics)', '(grantTrafficLog)']);
  });

  it('names every assignment guid(<its scope>.id, <principal>, <role>) and sets principalType', () => {
    expect(assignments.length).toBeGreaterThanOrEqual(7);
    for (const a of assignments) {
      const where = `${a.file} ${a.resource.symbol}`;
      const name = objectProperties(a.resource.body).get('name');
      expect(name && calleeName(name), `${where}: name`).toBe('guid');
      const [scopeId, principal, role] = callArguments(name!);
      const scope = propertyText(a.resource.body, 'scope');
      expect(scopeId?.text, `${where}: first guid() argument is the scope's id`).toBe(`${scope}.id`);
      expect(principal?.text, `${where}: second guid() argument is the principal`).toBe(propertyText(a.resource.body, 'properties', 'principalId'));
      const definition = callArguments(objectPath(a.resource.body, 'properties', 'roleDefinitionId')!);
      expect(role?.text, `${where}: third guid() argument is the role`).toBe(definition[1]?.text);
      const principalType = objectPath(a.resource.body, 'properties', 'principalType');
      expect(principalType, `${where}: principalType`).toBeDefined();
      if (principalType!.type === 'string') expect(stringValue(principalType), where).toBe('ServicePrincipal');
      expect(a.resource.type).toBe('Microsoft.Authorization/roleAssignments@2022-04-01');
    }
  });

  it('grants the managed identity only as ServicePrincipal', () => {
    for (const a of assignments) {
      const principal = propertyText(a.resource.body, 'properties', 'principalId');
      if (principal === 'identityPrincipalId' || principal === 'principalId') {
        expect(stringValue(objectPath(a.resource.body, 'properties', 'principalType')), `${a.file} ${a.resource.symbol}`).toBe('ServicePrincipal');
      }
    }
  });
});

describe('storage account', () => {
  let storage: ResourceDeclaration;
  let nested: ResourceDeclaration[];

  beforeAll(async () => {
    const all = resources(await root('infra/app/storage.bicep'));
    storage = all.find((r) => r.type.startsWith('Microsoft.Storage/storageAccounts@'))!;
    nested = all.filter((r) => r !== storage);
  });

  it('has shared key access off by default, as a parameter, in main.bicep and in the module', async () => {
    expect(propertyText(storage.body, 'properties', 'allowSharedKeyAccess')).toBe('allowSharedKeyAccess');
    for (const file of ['infra/app/storage.bicep', MAIN_BICEP]) {
      const param = parameters(await root(file)).get('allowSharedKeyAccess');
      expect(param?.type, file).toBe('bool');
      expect(param?.defaultValue?.text, file).toBe('false');
    }
    const module = modules(await root(MAIN_BICEP)).find((m) => m.path === 'app/storage.bicep');
    expect(propertyText(module?.body, 'params', 'allowSharedKeyAccess')).toBe('allowSharedKeyAccess');
  });

  it('requires TLS 1.2 and HTTPS, and allows no public blob access', () => {
    expect(stringValue(objectPath(storage.body, 'properties', 'minimumTlsVersion'))).toBe('TLS1_2');
    expect(propertyText(storage.body, 'properties', 'allowBlobPublicAccess')).toBe('false');
    expect(propertyText(storage.body, 'properties', 'supportsHttpsTrafficOnly')).toBe('true');
  });

  it('creates the containers, queue and tables the app uses', () => {
    const named = (kind: string) =>
      nested.filter((r) => r.type === kind).map((r) => stringValue(objectProperties(r.body).get('name')) ?? objectProperties(r.body).get('name')?.text);
    expect(named('containers')).toEqual(expect.arrayContaining(['runs', 'plans', 'deploymentContainerName']));
    expect(named('queues')).toEqual(expect.arrayContaining(['slices']));
    expect(named('tables')).toEqual(expect.arrayContaining(['runs', 'slices', 'timeseries', 'endpointmetrics']));
    for (const table of named('tables')) expect(table, 'lowercase table names (Power BI connector)').toBe(table?.toLowerCase());
  });
});

describe('Flex Consumption function app', () => {
  let plan: ResourceDeclaration;
  let site: ResourceDeclaration;

  beforeAll(async () => {
    const all = resources(await root(FUNCTION_APP_BICEP));
    plan = all.find((r) => r.type.startsWith('Microsoft.Web/serverfarms@'))!;
    site = all.find((r) => r.type.startsWith('Microsoft.Web/sites@') && !r.existing)!;
  });

  it('runs on an FC1 FlexConsumption Linux plan', () => {
    expect(stringValue(objectPath(plan.body, 'sku', 'name'))).toBe('FC1');
    expect(stringValue(objectPath(plan.body, 'sku', 'tier'))).toBe('FlexConsumption');
    expect(propertyText(plan.body, 'properties', 'reserved')).toBe('true');
    expect(propertyText(site.body, 'properties', 'serverFarmId')).toBe(`${plan.symbol}.id`);
  });

  it('is a Linux function app (API 2024-04-01 or later) tagged for azd as service api', () => {
    expect(stringValue(objectPath(site.body, 'kind'))).toBe('functionapp,linux');
    expect(apiVersion(site) >= '2024-04-01').toBe(true);
    const tags = objectPath(site.body, 'tags')!;
    expect(calleeName(tags)).toBe('union');
    const tagObject = callArguments(tags).find((a) => a.type === 'object');
    expect(stringValue(objectProperties(tagObject).get('azd-service-name'))).toBe('api');
  });

  it('runs Node 22', () => {
    expect(stringValue(objectPath(site.body, 'properties', 'functionAppConfig', 'runtime', 'name'))).toBe('node');
    expect(stringValue(objectPath(site.body, 'properties', 'functionAppConfig', 'runtime', 'version'))).toBe('22');
  });

  it('deploys from a blob container with the user-assigned identity', () => {
    const storage = objectPath(site.body, 'properties', 'functionAppConfig', 'deployment', 'storage');
    expect(stringValue(objectPath(storage, 'type'))).toBe('blobContainer');
    expect(objectPath(storage, 'value')?.text).toContain('deploymentContainerName');
    expect(stringValue(objectPath(storage, 'authentication', 'type'))).toBe('UserAssignedIdentity');
    expect(propertyText(storage, 'authentication', 'userAssignedIdentityResourceId')).toBe('identity.id');
    expect(stringValue(objectPath(site.body, 'identity', 'type'))).toBe('UserAssigned');
    expect(propertyText(site.body, 'properties', 'keyVaultReferenceIdentity')).toBe('identity.id');
  });

  it('takes instance memory and maximum instance count from parameters (2048 MB, 100 by default)', async () => {
    const scale = objectPath(site.body, 'properties', 'functionAppConfig', 'scaleAndConcurrency');
    expect(propertyText(scale, 'instanceMemoryMB')).toBe('instanceMemoryMB');
    expect(propertyText(scale, 'maximumInstanceCount')).toBe('maximumInstanceCount');
    const main = await root(MAIN_BICEP);
    expect(parameters(main).get('instanceMemoryMB')?.defaultValue?.text).toBe('2048');
    expect(parameters(main).get('maximumInstanceCount')?.defaultValue?.text).toBe('100');
    const module = modules(main).find((m) => m.path === 'app/function-app.bicep');
    expect(propertyText(module?.body, 'params', 'instanceMemoryMB')).toBe('instanceMemoryMB');
    expect(propertyText(module?.body, 'params', 'maximumInstanceCount')).toBe('maximumInstanceCount');
  });

  it('uses workspace-based Application Insights with local auth disabled', async () => {
    const component = resources(await root('infra/app/monitoring.bicep')).find((r) => r.type.startsWith('Microsoft.Insights/components@'));
    expect(propertyText(component?.body, 'properties', 'DisableLocalAuth')).toBe('true');
    expect(propertyText(component?.body, 'properties', 'WorkspaceResourceId')).toBe('logAnalytics.id');
  });
});

describe('main.bicep and azd wiring', () => {
  it('is a subscription-scope template that creates the resource group', async () => {
    const main = await root(MAIN_BICEP);
    const scope = findAll(main, (n) => n.type === 'target_scope_assignment')[0];
    expect(stringValue(namedChildren(scope!)[0])).toBe('subscription');
    expect(resources(main).some((r) => r.type.startsWith('Microsoft.Resources/resourceGroups@'))).toBe(true);
    for (const param of ['environmentName', 'location']) expect(parameters(main).get(param)?.defaultValue, param).toBeUndefined();
  });

  it('outputs the function app name and URL, the storage account and the azd conventional values', async () => {
    const outputs = findAll(await root(MAIN_BICEP), (n) => n.type === 'output_declaration').map((n) => namedChildren(n)[0]?.text);
    expect(outputs).toEqual(
      expect.arrayContaining([
        'AZURE_LOCATION',
        'AZURE_TENANT_ID',
        'AZURE_RESOURCE_GROUP',
        'AZURE_FUNCTION_APP_NAME',
        'AZURE_FUNCTION_APP_URL',
        'AZURE_STORAGE_ACCOUNT_NAME',
        'SERVICE_API_NAME',
      ]),
    );
  });

  it('grants endpoint scoring only when workspace and endpoint are named, in their resource group', async () => {
    const module = modules(await root(MAIN_BICEP)).find((m) => m.path === 'app/ml-endpoint-access.bicep');
    expect(module?.condition?.text).toBe('(grantScoring)');
    const grant = findAll(await root(MAIN_BICEP), (n) => n.type === 'variable_declaration' && namedChildren(n)[0]?.text === 'grantScoring')[0];
    expect(grant && namedChildren(grant)[1]?.text).toBe('!empty(mlWorkspaceName) && !empty(mlEndpointName)');
    const scope = objectPath(module?.body, 'scope');
    expect(calleeName(scope!)).toBe('resourceGroup');
    expect(scope!.text).toContain('mlEndpointResourceGroup');
  });

  it('main.parameters.json maps azd values and only parameters main.bicep declares', async () => {
    const file = readJson<{ parameters: Record<string, { value: unknown }> }>('infra/main.parameters.json');
    expect(file.parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
    expect(file.parameters.location?.value).toBe('${AZURE_LOCATION}');
    expect(file.parameters.principalId?.value).toBe('${AZURE_PRINCIPAL_ID}');
    const declared = parameters(await root(MAIN_BICEP));
    expect(Object.keys(file.parameters).filter((name) => !declared.has(name))).toEqual([]);
  });

  it('azure.yaml deploys service api as a TypeScript function app from the staged package', () => {
    const azure = parseYaml(readFileSync(join(REPO_ROOT, 'azure.yaml'), 'utf8')) as {
      services: Record<string, { project: string; language: string; host: string; dist?: string; remoteBuild?: boolean; hooks?: Record<string, Record<string, { run: string }>> }>;
    };
    expect(Object.keys(azure.services)).toEqual(['api']);
    const api = azure.services.api!;
    expect(api).toMatchObject({ project: '.', language: 'ts', host: 'function', dist: 'dist/azure', remoteBuild: false });
    for (const platform of ['posix', 'windows']) expect(api.hooks?.prepackage?.[platform]?.run).toBe('node infra/scripts/stage-package.mjs');
  });
});
