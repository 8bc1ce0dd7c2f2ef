import type { AuthSpec } from '../core/plan.js';
import { noTokenProvider, type TokenProvider } from '../core/ports/token-provider.js';
import { KeyTokenProvider } from './key-token-provider.js';
import { ManagedIdentityTokenProvider } from './managed-identity-token-provider.js';

/** The token provider a plan's `target.auth` asks for. */
export function tokenProviderForAuth(auth: AuthSpec, env: Record<string, string | undefined> = process.env): TokenProvider {
  switch (auth.type) {
    case 'none':
      return noTokenProvider;
    case 'key':
      return new KeyTokenProvider(auth.setting, auth.header, auth.scheme, env);
    case 'managedIdentity':
      return new ManagedIdentityTokenProvider({ scope: auth.scope, clientId: auth.clientId ?? env.AZURE_CLIENT_ID });
  }
}
