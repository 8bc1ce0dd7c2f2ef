// Lets the app's identity score an existing Azure ML managed online endpoint with Entra tokens
// (auth_mode aad_token; scope https://ml.azure.com/.default). Deployed by main.bicep into the
// endpoint's resource group; the role assignment sits at the endpoint, not the whole workspace.

@description('Azure ML workspace that holds the endpoint.')
param workspaceName string

@description('Online endpoint to score.')
param endpointName string

@description('Principal (object) id of the app\'s user-assigned identity.')
param principalId string

@description('Role holding Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action. Default: AzureML Data Scientist (built-in).')
param roleDefinitionId string = 'f6c7c914-8db3-469d-8ca1-694a8f32e121'

resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-10-01' existing = {
  name: workspaceName
}

resource endpoint 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2024-10-01' existing = {
  parent: workspace
  name: endpointName
}

resource scoring 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(endpoint.id, principalId, roleDefinitionId)
  scope: endpoint
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'ml-load-runner: score this online endpoint with Entra tokens'
  }
}

output scoringUri string = endpoint.properties.scoringUri
