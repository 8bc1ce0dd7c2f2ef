// The Function app's own storage account: host state (timer locks, poison queue), the deployment
// package, and everything the runs write. Reached with Entra ID; account keys are off by default.

@description('Storage account name: 3-24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

param location string = resourceGroup().location
param tags object = {}

@description('Allow account-key (shared key) access. Off by default; the Power BI Table connector needs it on.')
param allowSharedKeyAccess bool = false

@description('Blob container that holds the Flex Consumption deployment package.')
param deploymentContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: allowSharedKeyAccess
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }

    // runs/<runId>/plan.json, raw/<slice>.csv, summary.json, timeseries.csv, report.html
    resource runsContainer 'containers' = {
      name: 'runs'
      properties: {
        publicAccess: 'None'
      }
    }

    // Plans the nightly timer starts, one JSON or YAML file each.
    resource plansContainer 'containers' = {
      name: 'plans'
      properties: {
        publicAccess: 'None'
      }
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'

    // One message per slice (queue trigger runSlice).
    resource slicesQueue 'queues' = {
      name: 'slices'
    }

    // Where the host moves slice messages that failed maxDequeueCount times (it would create it too).
    resource slicesPoisonQueue 'queues' = {
      name: 'slices-poison'
    }
  }

  resource tableService 'tableServices' = {
    name: 'default'

    // One flat row per run: what Power BI trends read. Lowercase names suit the Power BI connector.
    resource runsTable 'tables' = {
      name: 'runs'
    }

    // PK runId: counts and encoded histograms of each slice.
    resource slicesTable 'tables' = {
      name: 'slices'
    }

    // PK runId, RK window start.
    resource timeseriesTable 'tables' = {
      name: 'timeseries'
    }

    // PK runId, RK metric|window start|resource: the endpoint's Azure Monitor metrics beside each run.
    resource endpointMetricsTable 'tables' = {
      name: 'endpointmetrics'
    }
  }
}

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
