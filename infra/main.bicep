// ml-load-runner on Azure: `azd up` deploys everything below into one new resource group.
// Plain resources only (no `br/public:` registry modules), so the templates need no restore step.
targetScope = 'subscription'

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Name of the azd environment. Names the resource group and seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource. It must offer Flex Consumption: az functionapp list-flexconsumption-locations -o table')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create; empty = rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of the person (or pipeline) running azd; azd fills it from AZURE_PRINCIPAL_ID. Gets Storage Blob Data Contributor and Storage Table Data Reader on the account, to upload plans and read results. Empty = no such grant.')
param principalId string = ''

@description('Kind of principalId; azd fills it from AZURE_PRINCIPAL_TYPE.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

// ---------------------------------------------------------------------------------------------
// Flex Consumption scale (docs/deploy.md, "Scaling")
// ---------------------------------------------------------------------------------------------

@description('Memory of one instance, MB (512 = 0.25 core, 2048 = 1 core, 4096 = 2 cores). Billing is per GB-s of this size while an instance executes.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Most instances the app may scale to. A slice holds one instance for its whole window, so keep this at least workers x concurrent runs, plus a few for the HTTP API and timers.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

// ---------------------------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------------------------

@description('Allow account-key (shared key) access to the storage account. Off by default: the app, the Functions host and deployments all use Entra ID. Turn on only for clients that need an account key, such as the Power BI Azure Table Storage connector.')
param allowSharedKeyAccess bool = false

// ---------------------------------------------------------------------------------------------
// Optional: let the app's identity score an existing Azure ML online endpoint (Entra / aad_token auth)
// ---------------------------------------------------------------------------------------------

@description('Subscription of the target Azure ML workspace; empty = this deployment\'s subscription.')
param mlEndpointSubscriptionId string = ''

@description('Resource group of the target Azure ML workspace; empty = the resource group created here.')
param mlEndpointResourceGroup string = ''

@description('Name of the target Azure ML workspace; empty = grant nothing.')
param mlWorkspaceName string = ''

@description('Name of the target online endpoint in that workspace; empty = grant nothing.')
param mlEndpointName string = ''

@description('Role granted on the endpoint: any role holding Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action. Default: AzureML Data Scientist (built-in). A custom role with just score/action is tighter.')
param mlScoringRoleDefinitionId string = 'f6c7c914-8db3-469d-8ca1-694a8f32e121'

// ---------------------------------------------------------------------------------------------
// Optional: let the app's identity read the endpoint's own measurements (docs/endpoint-metrics.md)
// ---------------------------------------------------------------------------------------------

@description('Grant Monitoring Reader on the endpoint named above (mlWorkspaceName/mlEndpointName), so run summaries show its Azure Monitor metrics (CPU, memory, instances, server latency).')
param mlGrantEndpointMetrics bool = true

@description('Log Analytics workspace receiving the endpoint\'s AmlOnlineEndpointTrafficLog (diagnostic setting); its identity gets Log Analytics Reader. Empty = grant nothing.')
param mlLogAnalyticsWorkspaceName string = ''

@description('Resource group of that Log Analytics workspace; empty = the endpoint\'s resource group.')
param mlLogAnalyticsResourceGroup string = ''

@description('Subscription of that Log Analytics workspace; empty = the endpoint\'s subscription.')
param mlLogAnalyticsSubscriptionId string = ''

// ---------------------------------------------------------------------------------------------
// Optional: let the app's identity read Key Vault secrets (Key Vault references for key-auth targets)
// ---------------------------------------------------------------------------------------------

@description('Key Vault (RBAC authorization) holding endpoint keys referenced by @Microsoft.KeyVault(...) app settings; empty = grant nothing.')
param keyVaultName string = ''

@description('Resource group of that Key Vault (same subscription); empty = the resource group created here.')
param keyVaultResourceGroup string = ''

// ---------------------------------------------------------------------------------------------
// App settings the code reads (src/functions/app-settings.ts); defaults equal the code's defaults
// ---------------------------------------------------------------------------------------------

@description('ALLOWED_TARGET_HOSTS: comma-separated exact hosts and *.suffix patterns runs may target.')
param allowedTargetHosts string = '*.inference.ml.azure.com,*.models.ai.azure.com,*.services.ai.azure.com,*.openai.azure.com,*.cognitiveservices.azure.com'

@description('MAX_RPS: highest peak rate a plan may ask for.')
@minValue(1)
param maxRps int = 1000

@description('MAX_DURATION_SECONDS: longest load a plan may ask for.')
@minValue(1)
param maxDurationSeconds int = 3600

@description('MAX_WORKERS: most workers (concurrent slices) one run may fan out to.')
@minValue(1)
param maxWorkers int = 20

@description('MAX_SLICE_SECONDS: longest window one slice runs. Must fit host.json functionTimeout (30 min) with START_LEAD_SECONDS to spare.')
@minValue(1)
@maxValue(1500)
param maxSliceSeconds int = 540

@description('START_LEAD_SECONDS: time from accepting a run to its start, for cold starts of the slice instances.')
@minValue(0)
param startLeadSeconds int = 20

@description('SLICE_GRACE_SECONDS: time past a run\'s end before missing slices make it partial.')
@minValue(1)
param sliceGraceSeconds int = 120

@description('WORKER_MAX_RPS: rate one worker is trusted to deliver (workers: "auto").')
@minValue(1)
param workerMaxRps int = 1000

@description('WORKER_MAX_CONNECTIONS: connections one worker may hold to the target (outbound SNAT ports).')
@minValue(1)
param workerMaxConnections int = 128

@description('MAX_BODY_BYTES: largest request body a plan may send (payload body, text or each payload-file line), bytes.')
@minValue(1)
param maxBodyBytes int = 1048576

@description('MAX_RESPONSE_BYTES: most bytes read of one response; a plan asking more (target.maxResponseBytes) is refused.')
@minValue(1)
@maxValue(1073741824)
param maxResponseBytes int = 10485760

@description('FLEX_GB_SECOND_PRICE: price of one GB-s of Flex Consumption on-demand execution, for each run\'s own cost (a decimal as text; check your region\'s price).')
param flexGbSecondPrice string = '0.000026'

@description('NIGHTLY_SCHEDULE: NCRONTAB, 6 fields, UTC, of the nightly runs of every plan in the plans container.')
param nightlySchedule string = '0 0 2 * * *'

@description('More app settings, name -> value, e.g. the key of a key-auth target as a Key Vault reference: { "ENDPOINT_KEY": "@Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/<name>)" }. Never a setting Flex Consumption forbids (FUNCTIONS_WORKER_RUNTIME, WEBSITE_RUN_FROM_PACKAGE, ...).')
param extraAppSettings object = {}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}mlload-${resourceToken}'
var deploymentContainerName = 'app-package-${take(resourceToken, 7)}'
var grantScoring = !empty(mlWorkspaceName) && !empty(mlEndpointName)
var grantEndpointMetrics = grantScoring && mlGrantEndpointMetrics
var grantTrafficLog = !empty(mlLogAnalyticsWorkspaceName)
var mlSubscriptionId = !empty(mlEndpointSubscriptionId) ? mlEndpointSubscriptionId : subscription().subscriptionId
var mlResourceGroup = !empty(mlEndpointResourceGroup) ? mlEndpointResourceGroup : rg.name
var grantKeyVault = !empty(keyVaultName)

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}mlload-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    allowSharedKeyAccess: allowSharedKeyAccess
    deploymentContainerName: deploymentContainerName
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.name
    identityPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    identityName: identity.outputs.name
    applicationInsightsName: monitoring.outputs.name
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    allowedTargetHosts: allowedTargetHosts
    maxRps: maxRps
    maxDurationSeconds: maxDurationSeconds
    maxWorkers: maxWorkers
    maxSliceSeconds: maxSliceSeconds
    startLeadSeconds: startLeadSeconds
    sliceGraceSeconds: sliceGraceSeconds
    workerMaxRps: workerMaxRps
    workerMaxConnections: workerMaxConnections
    maxBodyBytes: maxBodyBytes
    maxResponseBytes: maxResponseBytes
    nightlySchedule: nightlySchedule
    flexGbSecondPrice: flexGbSecondPrice
    extraAppSettings: extraAppSettings
  }
  // The host reaches storage with the identity as soon as the site starts: grant the roles first.
  dependsOn: [
    rbac
  ]
}

module mlEndpointAccess 'app/ml-endpoint-access.bicep' = if (grantScoring) {
  name: 'ml-endpoint-access'
  scope: resourceGroup(
    !empty(mlEndpointSubscriptionId) ? mlEndpointSubscriptionId : subscription().subscriptionId,
    !empty(mlEndpointResourceGroup) ? mlEndpointResourceGroup : rg.name
  )
  params: {
    workspaceName: mlWorkspaceName
    endpointName: mlEndpointName
    principalId: identity.outputs.principalId
    roleDefinitionId: mlScoringRoleDefinitionId
  }
}

module endpointMetricsReader 'app/monitoring-reader.bicep' = if (grantEndpointMetrics) {
  name: 'endpoint-metrics-reader'
  scope: resourceGroup(mlSubscriptionId, mlResourceGroup)
  params: {
    workspaceName: mlWorkspaceName
    endpointName: mlEndpointName
    principalId: identity.outputs.principalId
  }
}

module trafficLogReader 'app/monitoring-reader.bicep' = if (grantTrafficLog) {
  name: 'traffic-log-reader'
  scope: resourceGroup(
    !empty(mlLogAnalyticsSubscriptionId) ? mlLogAnalyticsSubscriptionId : mlSubscriptionId,
    !empty(mlLogAnalyticsResourceGroup) ? mlLogAnalyticsResourceGroup : mlResourceGroup
  )
  params: {
    logAnalyticsWorkspaceName: mlLogAnalyticsWorkspaceName
    principalId: identity.outputs.principalId
  }
}

module keyVaultAccess 'app/key-vault-access.bicep' = if (grantKeyVault) {
  name: 'key-vault-access'
  scope: resourceGroup(!empty(keyVaultResourceGroup) ? keyVaultResourceGroup : rg.name)
  params: {
    keyVaultName: keyVaultName
    principalId: identity.outputs.principalId
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs (azd stores them in .azure/<env>/.env)
// ---------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = functionApp.outputs.uri
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_MANAGED_IDENTITY_NAME string = identity.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.name
output ML_ENDPOINT_SCORING_URI string = grantScoring ? mlEndpointAccess.outputs.scoringUri : ''
