// The user-assigned managed identity the app runs as: the Functions host reaches its storage with it
// (AzureWebJobsStorage__clientId) and the code gets storage and target tokens with it (AZURE_CLIENT_ID).
// Being separate from the site, it exists (and can hold roles) before the app does.

@description('Name of the identity.')
param name string

param location string = resourceGroup().location
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
