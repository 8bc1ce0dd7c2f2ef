import type { TokenProvider } from '../core/ports/token-provider.js';

/**
 * Key auth: the value of an environment variable / app setting (in Azure, a Key Vault reference),
 * read when the slice starts. The key itself is never in the plan, and never in a message.
 */
export class KeyTokenProvider implements TokenProvider {
  readonly header: string;
  private value: string | undefined;

  constructor(
    private readonly setting: string,
    header = 'Authorization',
    private readonly scheme = 'Bearer',
    private readonly env: Record<string, string | undefined> = process.env,
  ) {
    this.header = header.toLowerCase();
  }

  async start(): Promise<void> {
    const key = this.env[this.setting];
    if (key === undefined || key === '') throw new Error(`the setting ${this.setting} named by target.auth is not set`);
    this.value = this.header === 'authorization' && this.scheme ? `${this.scheme} ${key}` : key;
  }

  current(): string | undefined {
    return this.value;
  }

  stop(): void {}
}
