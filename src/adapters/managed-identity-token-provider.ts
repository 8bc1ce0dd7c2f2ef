import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { TokenProvider } from '../core/ports/token-provider.js';

export interface ManagedIdentityTokenProviderOptions {
  /** e.g. https://ml.azure.com/.default for Azure ML endpoints. */
  scope: string;
  /** Client id of a user-assigned identity. */
  clientId?: string;
  /** The credential to use; by default a ManagedIdentityCredential inside Azure, DefaultAzureCredential elsewhere. */
  credential?: TokenCredential;
  /** Refresh this long before expiry (default 5 min, or half the lifetime of a short token). */
  refreshMarginMs?: number;
  /** Wait before retrying a failed refresh (default 10 s). */
  retryDelayMs?: number;
  now?: () => number;
}

/** True inside Azure Functions / App Service, where the managed identity endpoint exists. */
export function runsInAzure(env: Record<string, string | undefined> = process.env): boolean {
  return Boolean(env.IDENTITY_ENDPOINT || env.MSI_ENDPOINT || env.WEBSITE_INSTANCE_ID);
}

export function defaultCredential(clientId?: string): TokenCredential {
  if (runsInAzure()) return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}

/**
 * Entra tokens for the target (Azure ML `aad_token` auth). The first token is fetched before the slice
 * starts; later ones are fetched in the background ahead of expiry, so the hot path only reads memory.
 * A failed refresh is retried while the current token is still valid.
 */
export class ManagedIdentityTokenProvider implements TokenProvider {
  readonly header = 'authorization';
  private token: AccessToken | null = null;
  private value: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private credential: TokenCredential | undefined;
  /** How many tokens were fetched (first one included); for tests and diagnostics. */
  fetches = 0;

  constructor(private readonly options: ManagedIdentityTokenProviderOptions) {
    this.credential = options.credential;
  }

  async start(abortSignal?: AbortSignal): Promise<void> {
    this.stopped = false;
    await this.fetch(abortSignal);
  }

  current(): string | undefined {
    return this.value;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async fetch(abortSignal?: AbortSignal): Promise<void> {
    this.credential ??= defaultCredential(this.options.clientId);
    let token: AccessToken | null;
    try {
      token = await this.credential.getToken(this.options.scope, { abortSignal });
    } catch (error) {
      // Identity errors can quote request details; keep only the first line, which names the cause.
      throw new Error(`managed identity token for ${this.options.scope} failed: ${String((error as Error).message ?? error).split('\n')[0]}`);
    }
    if (!token) throw new Error(`managed identity returned no token for ${this.options.scope}`);
    this.fetches++;
    this.token = token;
    this.value = `Bearer ${token.token}`;
    this.scheduleRefresh();
  }

  private scheduleRefresh(): void {
    if (this.stopped || !this.token) return;
    const now = this.options.now?.() ?? Date.now();
    const lifetimeMs = this.token.expiresOnTimestamp - now;
    const marginMs = Math.min(this.options.refreshMarginMs ?? 5 * 60_000, lifetimeMs / 2);
    const refreshAt = this.token.refreshAfterTimestamp ?? this.token.expiresOnTimestamp - marginMs;
    this.armTimer(Math.max(0, refreshAt - now));
  }

  private armTimer(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fetch().catch(() => {
        // Keep the current token while it lasts; try again soon.
        if (!this.stopped) this.armTimer(this.options.retryDelayMs ?? 10_000);
      });
    }, Math.min(delayMs, 2_147_000_000));
    this.timer.unref();
  }
}
