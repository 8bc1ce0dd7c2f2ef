// Least-privilege data roles. Management roles such as Owner do not grant data access.
// Names are guid(scope id, principal id, role id): stable, so re-running `azd provision` is a no-op.

param storageAccountName string
param applicationInsightsName string

@description('Principal (object) id of the app\'s user-assigned identity.')
param identityPrincipalId string

@description('Principal id of the person deploying (azd: AZURE_PRINCIPAL_ID); empty = no grant.')
param userPrincipalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param userPrincipalType string = 'User'

// Built-in role definition ids.
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // host: timer locks, deployment package; code: runs/, plans/
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // queue trigger + enqueueing slices, poison queue
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // tables runs, slices, timeseries (+ host diagnostics)
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb' // Application Insights with Entra auth
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // deploying user: upload plans, read results
var storageTableDataReader = '76199698-9eea-4c19-bc75-cec21354c6b6' // deploying user: read the run tables

var grantUser = !empty(userPrincipalId)

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource identityBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, identityPrincipalId, storageBlobDataOwner)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource identityQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, identityPrincipalId, storageQueueDataContributor)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource identityTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, identityPrincipalId, storageTableDataContributor)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource identityMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identityPrincipalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource userBlobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantUser) {
  name: guid(storageAccount.id, userPrincipalId, storageBlobDataContributor)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

resource userTableDataReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantUser) {
  name: guid(storageAccount.id, userPrincipalId, storageTableDataReader)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataReader)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}
