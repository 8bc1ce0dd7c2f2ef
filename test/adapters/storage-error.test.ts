import { describe, expect, it } from 'vitest';
import { connectionSecrets } from '../../src/adapters/storage-connection.js';
import { scrubSecrets, storageError, StorageOperationError } from '../../src/adapters/storage-error.js';

describe('storage errors', () => {
  const key = 'c2VjcmV0LWtleS12YWx1ZS10aGF0LWlzLWxvbmctZW5vdWdo==';
  const connectionString = `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${key};EndpointSuffix=core.windows.net`;

  it('finds the secrets of a connection string, SAS signatures included', () => {
    expect(connectionSecrets({ kind: 'connectionString', connectionString })).toContain(key);
    const sas = connectionSecrets({ kind: 'connectionString', connectionString: 'BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=sv=2024-01-01&sig=abc%2Bdef%3D' });
    expect(sas).toEqual(expect.arrayContaining(['sv=2024-01-01&sig=abc%2Bdef%3D', 'abc%2Bdef%3D', 'abc+def=']));
  });

  it('scrubs keys, SAS signatures and authorization values from texts', () => {
    const text = `failed ${connectionString} https://a.blob.core.windows.net/c/b?sv=1&sig=SECRETSIG&se=2 Authorization: SharedKey acct:SIGNATURE== Bearer eyJ0eXAi.abc.def`;
    const scrubbed = scrubSecrets(text, [key]);
    for (const secret of [key, 'SECRETSIG', 'SIGNATURE==', 'eyJ0eXAi']) expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toContain('sig=[redacted]');
  });

  it('words an SDK error as operation + resource + status, without the SDK object', () => {
    const sdk = Object.assign(new Error(`The specified blob does not exist.\nRequestId:1\nkey ${key}`), { statusCode: 404, details: { errorCode: 'BlobNotFound' }, request: { headers: { authorization: 'SharedKey acct:xyz' } } });
    const error = storageError('reading', 'blob runs/x/summary.json', sdk, [key]);
    expect(error).toBeInstanceOf(StorageOperationError);
    expect(error.message).toBe('reading blob runs/x/summary.json failed: HTTP 404 BlobNotFound: The specified blob does not exist.');
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('BlobNotFound');
    expect(Object.keys(error)).not.toContain('request');
    const table = Object.assign(new Error('{"odata.error":{"code":"TableNotFound","message":{"lang":"en-US","value":"The table specified does not exist."}}}'), { statusCode: 404, details: { errorCode: 'TableNotFound' } });
    expect(storageError('reading run row', 'x in table runs', table).message).toBe('reading run row x in table runs failed: HTTP 404 TableNotFound: The table specified does not exist.');
  });
});
