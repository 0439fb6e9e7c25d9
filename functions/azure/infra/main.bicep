// afsync's Azure function app: Key Vault → Event Grid → HTTP trigger → Storage Queue → worker.
//
//   az deployment group create -g <rg> -f functions/azure/infra/main.bicep \
//     -p appName=<name> keyVaultName=<vault> eventGridKey=<random> deployEventSubscription=false
//   az functionapp deployment source config-zip -g <rg> -n <name> --src functions/azure/dist/afsync-azure-functions.zip
//   (then the same deployment group command with deployEventSubscription=true)
//
// The Event Grid subscription is created only once the code answers its validation handshake,
// hence the two passes. See docs/deploy/azure.md.

@description('Name of the function app; the storage account, identity, plan and insights derive from it.')
@minLength(3)
@maxLength(40)
param appName string

@description('Region of every resource created here.')
param location string = resourceGroup().location

@description('The Key Vault afsync reads (in this resource group, with Azure RBAC authorization). The app gets Key Vault Secrets User on it and nothing wider.')
param keyVaultName string

@description('The delivery key Event Grid presents as ?code= on the HTTP trigger. Also stored in the vault as afsync-eventgrid-key.')
@secure()
param eventGridKey string

@description('Create the Event Grid subscription (needs the code deployed: Event Grid validates the endpoint when it creates the subscription).')
param deployEventSubscription bool = false

@description('NCRONTAB schedule of the full reconciliation, the only way deletions are found: Key Vault sends no delete event.')
param reconcileSchedule string = '0 */15 * * * *'

@description('Vault secrets holding the values the config\'s _env options name; resolved by the platform as Key Vault references.')
param secretSettings object = {
  AFSYNC_HMAC_KEY: 'afsync-hmac-key'
  AIRFLOW_USERNAME: 'afsync-airflow-username'
  AIRFLOW_PASSWORD: 'afsync-airflow-password'
}

@description('Most instances the Flex Consumption plan may scale to.')
param maximumInstanceCount int = 40

var suffix = uniqueString(resourceGroup().id, appName)
var storageName = take('afsync${suffix}', 24)
var queueName = 'afsync-sync'
var leaseContainer = 'afsync-leases'
var deploymentContainer = 'app-package'

// Built-in role definition ids.
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${appName}-identity'
  location: location
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    // The app reaches storage with its managed identity only.
    allowSharedKeyAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource leases 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: leaseContainer
}

resource appPackage 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource syncQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: queueName
}

// Where the host moves a message after host.json's maxDequeueCount deliveries.
resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: '${queueName}-poison'
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${appName}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${appName}-insights'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${appName}-plan'
  location: location
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource eventGridKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'afsync-eventgrid-key'
  properties: { value: eventGridKey }
}

var keyVaultReferences = [
  for setting in items(secretSettings): {
    name: setting.key
    value: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/${setting.value}/)'
  }
]

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity.id }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: maximumInstanceCount, instanceMemoryMB: 2048 }
      runtime: { name: 'node', version: '20' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: concat(
        [
          // Identity-based host storage: no account key anywhere.
          { name: 'AzureWebJobsStorage__accountName', value: storage.name }
          { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
          { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
          // DefaultAzureCredential (the Key Vault source) picks the user-assigned identity by this.
          { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
          { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
          { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
          { name: 'AFSYNC_CONFIG', value: 'afsync.config.yaml' }
          { name: 'AFSYNC_QUEUE_NAME', value: queueName }
          { name: 'AFSYNC_LEASE_CONTAINER', value: leaseContainer }
          { name: 'AFSYNC_RECONCILE_SCHEDULE', value: reconcileSchedule }
          {
            name: 'AFSYNC_EVENTGRID_KEY'
            value: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/${eventGridKeySecret.name}/)'
          }
        ],
        keyVaultReferences
      )
    }
  }
}

// Reading secrets (values included) and nothing else, on this vault only.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

// The host's own storage (blobs for the package, timers and leases) and the sync queue, on this account only.
resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, storageBlobDataOwner)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
  }
}

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, storageQueueDataContributor)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identity.id, monitoringMetricsPublisher)
  scope: insights
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
  }
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: '${keyVaultName}-events'
  location: location
  properties: {
    source: vault.id
    topicType: 'Microsoft.KeyVault.vaults'
  }
}

// Key Vault's secret events to the HTTP trigger (Event Grid schema; the handler reads CloudEvents too).
// Key Vault has no delete or disable event: the timer's reconciliation finds those.
resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = if (deployEventSubscription) {
  parent: systemTopic
  name: 'afsync-secrets'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${app.properties.defaultHostName}/api/eventgrid?code=${eventGridKey}'
        maxEventsPerBatch: 10
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.KeyVault.SecretNewVersionCreated'
        'Microsoft.KeyVault.SecretNearExpiry'
        'Microsoft.KeyVault.SecretExpired'
      ]
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 }
  }
}

output functionAppName string = app.name
output eventGridEndpoint string = 'https://${app.properties.defaultHostName}/api/eventgrid'
output storageAccountName string = storage.name
output identityClientId string = identity.properties.clientId
