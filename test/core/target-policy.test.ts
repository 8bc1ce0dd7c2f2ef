import { describe, expect, it } from 'vitest';
import { classifyAddress, targetRefusal } from '../../src/core/target-policy.js';

const azure = ['*.inference.ml.azure.com', '*.openai.azure.com'];

describe('targetRefusal', () => {
  it.each([
    'https://fraud.eastus.inference.ml.azure.com/score',
    'https://a.b.openai.azure.com/openai/deployments/x/chat/completions',
  ])('allows %s under a wildcard', (url) => expect(targetRefusal(url, azure)).toBeUndefined());

  it.each([
    ['https://inference.ml.azure.com/score', 'not in ALLOWED_TARGET_HOSTS'],
    ['https://evil.com/score', 'not in ALLOWED_TARGET_HOSTS'],
    ['https://fraud.eastus.inference.ml.azure.com.evil.com/', 'not in ALLOWED_TARGET_HOSTS'],
    ['ftp://fraud.eastus.inference.ml.azure.com/', 'only http and https'],
    ['file:///etc/passwd', 'only http and https'],
  ])('refuses %s', (url, why) => expect(targetRefusal(url, azure)).toContain(why));

  // The metadata and link-local addresses in every spelling, even under a "*" wildcard or an exact entry.
  it.each([
    'http://169.254.169.254/metadata/instance',
    'http://2852039166/',
    'http://0xA9FEA9FE/',
    'http://0251.0376.0251.0376/',
    'http://169.254.43518/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[0:0:0:0:0:ffff:a9fe:a9fe]/',
    'http://168.63.129.16/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://169.254.1.1/',
    'http://0.0.0.0/',
  ])('always refuses %s', (url) => {
    expect(targetRefusal(url, ['*', new URL(url).hostname])).toMatch(/never allowed/);
  });

  it('allows loopback and private addresses only by an exact entry', () => {
    expect(targetRefusal('http://127.0.0.1:8080/score', ['*'])).toMatch(/loopback/);
    expect(targetRefusal('http://127.0.0.1:8080/score', ['127.0.0.1'])).toBeUndefined();
    expect(targetRefusal('http://localhost:8080/score', ['*.localhost', '*'])).toMatch(/loopback/);
    expect(targetRefusal('http://localhost:8080/score', ['localhost'])).toBeUndefined();
    expect(targetRefusal('http://10.1.2.3/', ['*'])).toMatch(/private/);
    expect(targetRefusal('http://[::1]:9/', ['::1'])).toBeUndefined();
    expect(targetRefusal('http://2130706433/', ['*'])).toMatch(/loopback/);
  });
});

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['127.0.0.2', 'loopback'],
    ['172.20.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['fd12::1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['2001:db8::1', 'public'],
    ['example.com', undefined],
  ])('%s is %s', (address, kind) => expect(classifyAddress(address)).toBe(kind));
});
