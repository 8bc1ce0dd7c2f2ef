/**
 * Every app setting the code reads, with its default. The Bicep templates and
 * local.settings.sample.json are checked against this list by the tests: they set each of these and
 * nothing the code does not read (host-only settings are listed apart).
 */
export const APP_SETTINGS = {
  AzureWebJobsStorage: { default: '', description: 'Storage connection string (locally: UseDevelopmentStorage=true or Azurite). Empty in Azure, where identity is used.' },
  AzureWebJobsStorage__accountName: { default: '', description: 'Storage account name for identity-based access (Azure).' },
  AZURE_CLIENT_ID: { default: '', description: 'Client id of the user-assigned managed identity the code uses for storage and targets.' },
  ALLOWED_TARGET_HOSTS: {
    default: '*.inference.ml.azure.com,*.models.ai.azure.com,*.services.ai.azure.com,*.openai.azure.com,*.cognitiveservices.azure.com',
    description: 'Comma-separated exact hosts and *.suffix patterns runs may target. Loopback and private addresses only by exact entry.',
  },
  MAX_RPS: { default: '1000', description: 'Highest peak rate a plan may ask for.' },
  MAX_DURATION_SECONDS: { default: '3600', description: 'Longest load a plan may ask for.' },
  MAX_WORKERS: { default: '20', description: 'Most workers a run may fan out to.' },
  MAX_SLICE_SECONDS: { default: '540', description: 'Longest time window one slice runs (fits any function timeout).' },
  START_LEAD_SECONDS: { default: '20', description: 'Time from accepting a run to its start, for cold starts.' },
  SLICE_GRACE_SECONDS: { default: '120', description: 'Time past a run\'s end before missing slices make it partial.' },
  WORKER_MAX_RPS: { default: '1000', description: 'Rate one worker is trusted to deliver (workers: "auto").' },
  WORKER_MAX_CONNECTIONS: { default: '128', description: 'Connections one worker may hold to the target (outbound SNAT ports).' },
  MAX_BODY_BYTES: { default: '1048576', description: 'Largest request body a plan may send (payload body, text or each payload-file line), bytes.' },
  MAX_RESPONSE_BYTES: { default: '10485760', description: 'Most bytes read of one response; a plan asking more (target.maxResponseBytes) is refused, one asking nothing gets this.' },
  INSTANCE_MEMORY_MB: { default: '2048', description: 'Memory of one Function app instance (Flex instanceMemoryMB), for the run\'s own cost in GB-s.' },
  FLEX_GB_SECOND_PRICE: { default: '0.000026', description: 'Price of one GB-s of Flex Consumption on-demand execution, for the run\'s own cost (check your region\'s price).' },
  NIGHTLY_SCHEDULE: { default: '0 0 2 * * *', description: 'NCRONTAB (UTC) of the nightly runs of every plan in the plans container.' },
} as const;

/** Settings read by the Functions host, not by our code; Bicep may set them. */
export const HOST_SETTINGS = [
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'FUNCTIONS_WORKER_RUNTIME',
] as const;

export type AppSettingName = keyof typeof APP_SETTINGS;

export interface AppSettings {
  storageConnectionString: string | undefined;
  storageAccountName: string | undefined;
  clientId: string | undefined;
  allowedTargetHosts: string[];
  maxRps: number;
  maxDurationSeconds: number;
  maxWorkers: number;
  maxSliceSeconds: number;
  startLeadSeconds: number;
  sliceGraceSeconds: number;
  workerMaxRps: number;
  workerMaxConnections: number;
  maxBodyBytes: number;
  maxResponseBytes: number;
  nightlySchedule: string;
  instanceMemoryMb: number;
  gbSecondPrice: number;
}

export class AppSettingsError extends Error {
  override name = 'AppSettingsError';
}

/** Reads and checks the settings; a bad value is an error naming the setting (never its value if secret). */
export function readAppSettings(env: Record<string, string | undefined> = process.env): AppSettings {
  const problems: string[] = [];
  const text = (name: AppSettingName) => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? APP_SETTINGS[name].default : value.trim();
  };
  const positive = (name: AppSettingName) => {
    const value = Number(text(name));
    if (!Number.isFinite(value) || value <= 0) problems.push(`${name} must be a positive number, not ${JSON.stringify(text(name))}`);
    return value;
  };
  const settings: AppSettings = {
    storageConnectionString: text('AzureWebJobsStorage') || undefined,
    storageAccountName: text('AzureWebJobsStorage__accountName') || undefined,
    clientId: text('AZURE_CLIENT_ID') || undefined,
    allowedTargetHosts: text('ALLOWED_TARGET_HOSTS')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    maxRps: positive('MAX_RPS'),
    maxDurationSeconds: positive('MAX_DURATION_SECONDS'),
    maxWorkers: Math.floor(positive('MAX_WORKERS')),
    maxSliceSeconds: positive('MAX_SLICE_SECONDS'),
    startLeadSeconds: Number(text('START_LEAD_SECONDS')),
    sliceGraceSeconds: positive('SLICE_GRACE_SECONDS'),
    workerMaxRps: positive('WORKER_MAX_RPS'),
    workerMaxConnections: Math.floor(positive('WORKER_MAX_CONNECTIONS')),
    maxBodyBytes: Math.floor(positive('MAX_BODY_BYTES')),
    maxResponseBytes: Math.floor(positive('MAX_RESPONSE_BYTES')),
    nightlySchedule: text('NIGHTLY_SCHEDULE'),
    instanceMemoryMb: positive('INSTANCE_MEMORY_MB'),
    gbSecondPrice: positive('FLEX_GB_SECOND_PRICE'),
  };
  if (!Number.isFinite(settings.startLeadSeconds) || settings.startLeadSeconds < 0) problems.push('START_LEAD_SECONDS must be a number ≥ 0');
  if (settings.nightlySchedule.split(/\s+/).length !== 6) problems.push('NIGHTLY_SCHEDULE must be an NCRONTAB expression with 6 fields (second minute hour day month weekday)');
  if (problems.length > 0) throw new AppSettingsError(`invalid app settings: ${problems.join('; ')}`);
  return settings;
}
