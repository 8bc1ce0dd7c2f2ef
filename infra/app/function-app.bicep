// Flex Consumption (FC1) Linux Function App on Node 22, running as the user-assigned identity.
// App settings: one for every setting the code reads (src/functions/app-settings.ts, APP_SETTINGS)
// except AzureWebJobsStorage itself, plus host-only ones (HOST_SETTINGS). Flex Consumption rejects
// or ignores the settings that used to carry runtime, version and package (FUNCTIONS_WORKER_RUNTIME,
// WEBSITE_RUN_FROM_PACKAGE, ...): those live in functionAppConfig here, and test/infra checks that
// none of them is set.

param name string
param planName string
param location string = resourceGroup().location
param tags object = {}

param storageAccountName string
param deploymentContainerName string
param identityName string
param applicationInsightsName string

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

// Tunable app settings: main.bicep holds their defaults (the code's defaults).
param allowedTargetHosts string
param maxRps int
param maxDurationSeconds int
param maxWorkers int
param maxSliceSeconds int
param startLeadSeconds int
param sliceGraceSeconds int
param workerMaxRps int
param workerMaxConnections int
param maxBodyBytes int
param maxResponseBytes int
param nightlySchedule string
param flexGbSecondPrice string

@description('More app settings, name -> value (e.g. Key Vault references for key-auth targets).')
param extraAppSettings object = {}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

var extraAppSettingsList = map(items(extraAppSettings), setting => {
  name: setting.key
  value: string(setting.value)
})

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // @Microsoft.KeyVault(...) app settings resolve with this identity (it needs Key Vault Secrets User).
    keyVaultReferenceIdentity: identity.id
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: concat(
        [
          // Host storage by identity (the host and the code both read the account name).
          {
            name: 'AzureWebJobsStorage__accountName'
            value: storage.name
          }
          {
            name: 'AzureWebJobsStorage__credential'
            value: 'managedidentity'
          }
          {
            name: 'AzureWebJobsStorage__clientId'
            value: identity.properties.clientId
          }
          // The code's storage and target tokens (ManagedIdentityCredential with this client id).
          {
            name: 'AZURE_CLIENT_ID'
            value: identity.properties.clientId
          }
          // Telemetry with Entra auth (local auth is off on the component).
          {
            name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
            value: applicationInsights.properties.ConnectionString
          }
          {
            name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
            value: 'ClientId=${identity.properties.clientId};Authorization=AAD'
          }
          // Limits and policy (defaults in main.bicep = the code's defaults).
          {
            name: 'ALLOWED_TARGET_HOSTS'
            value: allowedTargetHosts
          }
          {
            name: 'MAX_RPS'
            value: string(maxRps)
          }
          {
            name: 'MAX_DURATION_SECONDS'
            value: string(maxDurationSeconds)
          }
          {
            name: 'MAX_WORKERS'
            value: string(maxWorkers)
          }
          {
            name: 'MAX_SLICE_SECONDS'
            value: string(maxSliceSeconds)
          }
          {
            name: 'START_LEAD_SECONDS'
            value: string(startLeadSeconds)
          }
          {
            name: 'SLICE_GRACE_SECONDS'
            value: string(sliceGraceSeconds)
          }
          {
            name: 'WORKER_MAX_RPS'
            value: string(workerMaxRps)
          }
          {
            name: 'WORKER_MAX_CONNECTIONS'
            value: string(workerMaxConnections)
          }
          {
            name: 'MAX_BODY_BYTES'
            value: string(maxBodyBytes)
          }
          {
            name: 'MAX_RESPONSE_BYTES'
            value: string(maxResponseBytes)
          }
          {
            name: 'INSTANCE_MEMORY_MB'
            value: string(instanceMemoryMB)
          }
          {
            name: 'FLEX_GB_SECOND_PRICE'
            value: flexGbSecondPrice
          }
          {
            name: 'NIGHTLY_SCHEDULE'
            value: nightlySchedule
          }
        ],
        extraAppSettingsList
      )
    }
  }
}

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output uri string = 'https://${site.properties.defaultHostName}'
