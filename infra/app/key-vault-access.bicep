// Lets the app's identity read secrets of an existing Key Vault (RBAC authorization model), so app
// settings such as ENDPOINT_KEY = @Microsoft.KeyVault(SecretUri=...) resolve. The site's
// keyVaultReferenceIdentity is this identity (function-app.bicep).

@description('Existing Key Vault in this resource group.')
param keyVaultName string

@description('Principal (object) id of the app\'s user-assigned identity.')
param principalId string

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
