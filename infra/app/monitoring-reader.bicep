// Lets the app's identity read what the target endpoint itself measured, so each run's summary and
// report show the server's side (docs/endpoint-metrics.md):
//   - Monitoring Reader on the Azure ML online endpoint: its Azure Monitor platform metrics, and those
//     of its deployments (child resources inherit the assignment);
//   - Log Analytics Reader on the Log Analytics workspace that receives the endpoint's
//     AmlOnlineEndpointTrafficLog (diagnostic setting), when one is named.
// main.bicep deploys this module once per resource group involved: into the endpoint's resource group
// with workspaceName/endpointName, and into the Log Analytics workspace's with logAnalyticsWorkspaceName.

@description('Azure ML workspace that holds the endpoint; empty = no grant on an endpoint.')
param workspaceName string = ''

@description('Online endpoint whose metrics the app reads; empty = no grant on an endpoint.')
param endpointName string = ''

@description('Log Analytics workspace in this resource group receiving AmlOnlineEndpointTrafficLog; empty = no grant on a workspace.')
param logAnalyticsWorkspaceName string = ''

@description('Principal (object) id of the app\'s user-assigned identity.')
param principalId string

// Built-in role ids.
var monitoringReader = '43d0d8ad-25c7-4714-9337-8ba259a9fe05'
var logAnalyticsReader = '73c42c96-874c-492b-b04d-ab87d138a893'

var grantEndpoint = !empty(workspaceName) && !empty(endpointName)
var grantWorkspace = !empty(logAnalyticsWorkspaceName)

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-10-01' existing = {
  name: workspaceName
}

resource endpoint 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-10-01' existing = {
  parent: workspace
  name: endpointName
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsWorkspaceName
}

resource endpointMetricsReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantEndpoint) {
  name: guid(endpoint.id, principalId, monitoringReader)
  scope: endpoint
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringReader)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'ml-load-runner: read this endpoint\'s Azure Monitor metrics for run summaries'
  }
}

resource trafficLogReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantWorkspace) {
  name: guid(logAnalytics.id, principalId, logAnalyticsReader)
  scope: logAnalytics
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', logAnalyticsReader)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'ml-load-runner: query AmlOnlineEndpointTrafficLog for run summaries'
  }
}
