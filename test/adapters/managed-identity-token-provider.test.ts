import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyTokenProvider } from '../../src/adapters/key-token-provider.js';
import { ManagedIdentityTokenProvider } from '../../src/adapters/managed-identity-token-provider.js';
import { executeSlice } from '../../src/core/execute-slice.js';
import { planSchema } from '../../src/core/plan.js';
import { planSlices } from '../../src/core/slice.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

/** A fake credential (managed identity cannot run here): numbered tokens that live `lifetimeMs`. */
class FakeCredential implements TokenCredential {
  calls = 0;
  scopes: string[] = [];
  failNext = 0;
  constructor(private readonly lifetimeMs: number) {}
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.calls++;
    this.scopes.push(String(scopes));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('IMDS unavailable');
    }
    return { token: `token-${this.calls}`, expiresOnTimestamp: Date.now() + this.lifetimeMs };
  }
}

let server: LoopbackServer | undefined;
afterEach(() => server?.close());

describe('ManagedIdentityTokenProvider', () => {
  it('refreshes the token in the background mid-slice; every request carries a valid token', async () => {
    const seen: string[] = [];
    server = await startLoopbackServer((req, res) => {
      seen.push(String(req.headers.authorization));
      res.end('{}');
    });
    const credential = new FakeCredential(1200); // refreshed at half its life: about every 0.6 s
    const provider = new ManagedIdentityTokenProvider({ scope: 'https://ml.azure.com/.default', credential });
    const plan = planSchema.parse({ target: { url: `${server.url}/score`, auth: { type: 'managedIdentity' } }, load: { model: 'constant', rps: 40, duration: '3s' } });
    const [slice] = planSlices('run', plan, 1, Date.now() + 50);
    const outcome = await executeSlice(slice, plan, { tokenProvider: provider });
    expect(outcome.aggregate.counts.ok).toBe(120);
    expect(seen).toHaveLength(120);
    expect(seen.every((h) => /^Bearer token-\d+$/.test(h))).toBe(true);
    expect(seen[0]).toBe('Bearer token-1'); // fetched before the first request, not on the hot path
    expect(new Set(seen).size).toBeGreaterThanOrEqual(4);
    expect(credential.scopes.every((s) => s === 'https://ml.azure.com/.default')).toBe(true);
  });

  it('keeps the current token and retries when a refresh fails', async () => {
    const credential = new FakeCredential(400);
    const provider = new ManagedIdentityTokenProvider({ scope: 's', credential, retryDelayMs: 100 });
    await provider.start();
    expect(provider.current()).toBe('Bearer token-1');
    credential.failNext = 1;
    await new Promise((r) => setTimeout(r, 260)); // refresh at 200 ms fails…
    expect(provider.current()).toBe('Bearer token-1');
    await new Promise((r) => setTimeout(r, 150)); // …and the retry 100 ms later succeeds
    expect(provider.current()).toBe('Bearer token-3');
    provider.stop();
  });

  it('fails the slice start with a message that names the scope, not a secret', async () => {
    const credential = new FakeCredential(1000);
    credential.failNext = 1;
    const provider = new ManagedIdentityTokenProvider({ scope: 'https://ml.azure.com/.default', credential });
    await expect(provider.start()).rejects.toThrow(/managed identity token for https:\/\/ml\.azure\.com\/\.default failed: IMDS unavailable/);
  });
});

describe('KeyTokenProvider', () => {
  it('sends the key from the named setting as a Bearer token', async () => {
    const provider = new KeyTokenProvider('ENDPOINT_KEY', 'Authorization', 'Bearer', { ENDPOINT_KEY: 'k-123' });
    await provider.start();
    expect(provider.header).toBe('authorization');
    expect(provider.current()).toBe('Bearer k-123');
  });
  it('sends the raw key in another header', async () => {
    const provider = new KeyTokenProvider('AOAI_KEY', 'api-key', 'Bearer', { AOAI_KEY: 'k-9' });
    await provider.start();
    expect(provider.current()).toBe('k-9');
  });
  it('names the missing setting, and only the setting', async () => {
    const provider = new KeyTokenProvider('ENDPOINT_KEY', 'Authorization', 'Bearer', {});
    await expect(provider.start()).rejects.toThrow('the setting ENDPOINT_KEY named by target.auth is not set');
  });
});
