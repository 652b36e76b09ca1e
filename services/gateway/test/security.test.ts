import { validate } from '@readme/openapi-parser';
import { ConfigError } from '@skinlesion/config';
import { createLogger } from '@skinlesion/logger';
import type { LightMyRequestResponse } from 'fastify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config.js';
import { ApiKeyRing, apiKey, fingerprintName, parseKeyFile, parseKeyList } from '../src/domain/api-keys.js';
import { clientNetwork } from '../src/domain/client-network.js';
import { allowOriginFor, parseCorsOrigins } from '../src/domain/cors.js';
import { endpointGroup } from '../src/domain/endpoint-groups.js';
import { TokenBuckets } from '../src/domain/token-bucket.js';
import { presentedKey } from '../src/plugins/auth.js';
import { photo, photoWith } from './support/fake-services.js';
import { problem, raw } from './support/problem.js';
import { multipart, startStack, type Stack } from './support/stack.js';

type Json = Record<string, any>;

const ALICE = 'alice-3bVq9Rk2LmN8xZp4TtW7yH1c';
const BOB = 'Zr8Kq2Wm5Tn9Vb3Xc7Lp1Hd6';
const KEYS = [apiKey('alice', ALICE), apiKey('bob', BOB)];
const CLINIC = 'https://clinic.example.org';

const required = { TILER_ADDR: 'localhost:50051', CLASSIFIER_ADDRS: 'localhost:50061', UGLY_DUCKLING_ADDR: 'localhost:50071' };

function configProblems(env: Record<string, string>): string[] {
  try {
    loadGatewayConfig({ ...required, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

/** A photo sent as the raw body, with extra request headers. */
function photoRequest(headers: Record<string, string> = {}, body: Buffer = photoWith([3])) {
  const base = raw(body);
  return { method: 'POST' as const, url: '/v1/classify', payload: base.payload, headers: { ...base.headers, ...headers } };
}

/** The headers every answer carries with SECURITY_HEADERS on. */
function expectSecurityHeaders(response: LightMyRequestResponse, what: string): void {
  expect(response.headers['x-content-type-options'], what).toBe('nosniff');
  expect(response.headers['referrer-policy'], what).toBe('no-referrer');
  expect(response.headers['x-frame-options'], what).toBe('DENY');
  expect(response.headers['cross-origin-resource-policy'], what).toBe('same-origin');
  expect(response.headers['content-security-policy'], what).toContain("frame-ancestors 'none'");
}

/** The directives of a Content-Security-Policy by name. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name, values] as [string, string[]];
    }),
  );
}

describe('API keys, as configured', () => {
  it('are read from a list and a file, with names, comments and fingerprints', () => {
    expect(parseKeyList(` alice:${ALICE}, ,${BOB} `, 'API_KEYS')).toEqual({ keys: [{ name: 'alice' }, { name: fingerprintName(BOB) }], problems: [] });
    const file = parseKeyFile(`# clinic keys\r\n\nalice:${ALICE}  # front desk\n   \n${BOB}\n`, 'API_KEYS_FILE');
    expect(file.problems).toEqual([]);
    expect(file.keys.map((key) => [key.name, key.key])).toEqual([
      ['alice', ALICE],
      [fingerprintName(BOB), BOB],
    ]);
    expect(fingerprintName(BOB)).toMatch(/^key-[0-9a-f]{8}$/);
  });

  it('are refused by position, never repeating the key', () => {
    const secret = 'short1';
    const { keys, problems } = parseKeyFile(`${secret}\nbad name:${ALICE}\nok:${ALICE}!\ncarol:\n`, 'API_KEYS_FILE');
    expect(keys).toEqual([]);
    expect(problems).toEqual([
      expect.stringMatching(/^API_KEYS_FILE line 1: a key must have at least 16 characters$/),
      expect.stringMatching(/^API_KEYS_FILE line 2: the name before ":"/),
      expect.stringMatching(/^API_KEYS_FILE line 3: a key may contain only/),
      'API_KEYS_FILE line 4: the key after "name:" is missing',
    ]);
    expect(problems.join('\n')).not.toContain(secret);
    expect(problems.join('\n')).not.toContain(ALICE);
  });

  it('keep the key out of JSON and printed objects', () => {
    const [key] = parseKeyList(`alice:${ALICE}`, 'API_KEYS').keys;
    expect(key.key).toBe(ALICE);
    expect(JSON.stringify(key)).toBe('{"name":"alice"}');
    expect(String(Object.keys(key))).toBe('name');
  });

  it('identify a client by its key, whatever the length of a wrong one', () => {
    const ring = new ApiKeyRing(KEYS);
    expect(ring.identify(ALICE)).toBe('alice');
    expect(ring.identify(BOB)).toBe('bob');
    expect(ring.identify(ALICE.slice(0, -1) + 'X')).toBeUndefined();
    expect(ring.identify('x')).toBeUndefined();
    expect(ring.identify(ALICE + ALICE)).toBeUndefined();
    expect(ring.identify('')).toBeUndefined();
  });

  it('are taken from either header, and two different ones conflict', () => {
    expect(presentedKey({ authorization: `Bearer ${ALICE}` })).toEqual({ kind: 'key', key: ALICE });
    expect(presentedKey({ authorization: `bearer   ${ALICE} ` })).toEqual({ kind: 'key', key: ALICE });
    expect(presentedKey({ 'x-api-key': ALICE })).toEqual({ kind: 'key', key: ALICE });
    expect(presentedKey({ authorization: `Bearer ${ALICE}`, 'x-api-key': ALICE })).toEqual({ kind: 'key', key: ALICE });
    expect(presentedKey({ authorization: `Bearer ${ALICE}`, 'x-api-key': BOB })).toEqual({ kind: 'conflict' });
    expect(presentedKey({ authorization: 'Basic dXNlcjpwYXNz' })).toEqual({ kind: 'none' });
    expect(presentedKey({})).toEqual({ kind: 'none' });
  });
});

describe('the gateway configuration of security', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gateway-keys-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is off by default: no keys, no rate limit, headers on, no CORS', () => {
    expect(loadGatewayConfig(required)).toMatchObject({
      apiKeys: [],
      healthRequiresKey: false,
      metricsRequiresKey: false,
      docsRequiresKey: false,
      rateLimitPerSecond: 0,
      rateLimitBurst: 20,
      rateLimitMaxClients: 10_000,
      trustProxy: false,
      securityHeaders: true,
      hstsMaxAgeSeconds: 0,
      corsOrigins: [],
      corsMaxAgeSeconds: 600,
    });
  });

  it('reads the keys of API_KEYS and API_KEYS_FILE together', () => {
    const file = path.join(dir, 'keys');
    writeFileSync(file, `# mounted Secret\nbob:${BOB}\n`);
    const config = loadGatewayConfig({ ...required, API_KEYS: `alice:${ALICE}`, API_KEYS_FILE: file, RATE_LIMIT_PER_SECOND: '2.5', TRUST_PROXY: '10.0.0.0/8, uniquelocal, ::1' });
    expect(config.apiKeys.map(({ name, key }) => [name, key])).toEqual([
      ['alice', ALICE],
      ['bob', BOB],
    ]);
    expect(config).not.toHaveProperty('apiKeyList');
    expect(JSON.stringify(config)).not.toContain(ALICE);
    expect(config.rateLimitPerSecond).toBe(2.5);
    expect(config.trustProxy).toEqual(['10.0.0.0/8', 'uniquelocal', '::1']);
  });

  it('fails fast on a key file that is missing or holds no key, and on keys given twice', () => {
    const missing = path.join(dir, 'nope');
    expect(configProblems({ API_KEYS_FILE: missing })).toEqual([expect.stringContaining(`API_KEYS_FILE="${missing}" cannot be read (ENOENT)`)]);
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '# no keys yet\n\n');
    expect(configProblems({ API_KEYS_FILE: empty })).toEqual([expect.stringContaining('holds no key')]);
    const twice = path.join(dir, 'twice');
    writeFileSync(twice, `alice:${BOB}\n`);
    const problems = configProblems({ API_KEYS: `alice:${ALICE},carol:${BOB}`, API_KEYS_FILE: twice });
    expect(problems).toEqual([expect.stringContaining('name "alice" is used twice'), expect.stringContaining('repeats an earlier key')]);
    expect(problems.join('\n')).not.toMatch(new RegExp(`${ALICE}|${BOB}`));
  });

  it('refuses bad keys without showing them, and a key requirement without keys', () => {
    const problems = configProblems({ API_KEYS: 'tooshort', DOCS_REQUIRES_KEY: 'true' });
    expect(problems).toEqual(['API_KEYS entry 1: a key must have at least 16 characters', 'DOCS_REQUIRES_KEY=true needs API keys: set API_KEYS or API_KEYS_FILE']);
  });

  it('checks CORS_ORIGINS and TRUST_PROXY', () => {
    expect(loadGatewayConfig({ ...required, CORS_ORIGINS: `${CLINIC}, http://localhost:5173/` }).corsOrigins).toEqual([CLINIC, 'http://localhost:5173']);
    expect(loadGatewayConfig({ ...required, CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(configProblems({ CORS_ORIGINS: `${CLINIC}/app` })[0]).toMatch(/not a bare origin/);
    expect(configProblems({ CORS_ORIGINS: `*,${CLINIC}` })[0]).toMatch(/give it alone/);
    expect(configProblems({ TRUST_PROXY: '2' })[0]).toMatch(/^TRUST_PROXY="2": "2" is not an IP address/);
    expect(configProblems({ TRUST_PROXY: '10.0.0.0/33' })[0]).toMatch(/not an IP address, a CIDR range/);
  });
});

describe('the pure parts', () => {
  it('token buckets allow a burst, then one request per 1/rate seconds', () => {
    let clock = 0;
    const buckets = new TokenBuckets({ ratePerSecond: 2, burst: 3, maxBuckets: 10, now: () => clock });
    expect([1, 2, 3].map(() => buckets.take('a').allowed)).toEqual([true, true, true]);
    const refused = buckets.take('a');
    expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterMs: 500, resetMs: 1500 });
    clock += 499;
    expect(buckets.take('a').allowed).toBe(false);
    clock += 1;
    expect(buckets.take('a')).toMatchObject({ allowed: true, remaining: 0 });
    expect(buckets.take('b')).toMatchObject({ allowed: true, remaining: 2 });
    clock += 10_000;
    expect(buckets.take('a')).toMatchObject({ allowed: true, remaining: 2, resetMs: 500 });
  });

  it('token buckets stay within their bound: idle ones are dropped, the oldest past the cap', () => {
    let clock = 0;
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 2, maxBuckets: 100, now: () => clock });
    for (let index = 0; index < 1000; index += 1) {
      buckets.take(`client-${index}`);
      clock += 1;
      expect(buckets.size).toBeLessThanOrEqual(100);
    }
    expect(buckets.size).toBe(100);
    // A client dropped for the cap starts again with a full bucket; recent ones keep their debt.
    expect(buckets.take('client-999')).toMatchObject({ allowed: true, remaining: 0 });
    // Full after burst / rate = 2 s untouched: every bucket but the new one is gone.
    clock += 2000;
    buckets.take('late');
    expect(buckets.size).toBe(1);
  });

  it('counts IPv6 clients by their /64 network', () => {
    expect(clientNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64');
    expect(clientNetwork('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientNetwork('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });

  it('allows the configured origins only', () => {
    const origins = parseCorsOrigins(`${CLINIC}, HTTPS://Portal.Example.org`);
    expect(origins).toEqual([CLINIC, 'https://portal.example.org']);
    expect(allowOriginFor(origins, CLINIC)).toBe(CLINIC);
    expect(allowOriginFor(origins, 'https://evil.example')).toBeUndefined();
    expect(allowOriginFor(origins, undefined)).toBeUndefined();
    expect(allowOriginFor('*', 'https://any.example')).toBe('*');
    expect(() => parseCorsOrigins('clinic.example.org')).toThrow(/not an origin/);
    expect(() => parseCorsOrigins('ftp://clinic.example.org')).toThrow(/http:\/\/ or https:\/\//);
  });

  it('sorts routes into the groups the settings name', () => {
    expect(['/healthz', '/readyz'].map(endpointGroup)).toEqual(['health', 'health']);
    expect(endpointGroup('/metrics')).toBe('metrics');
    const docs = ['/', '/favicon.svg', '/assets/app.js', '/docs', '/docs/', '/docs/static/*', '/docs/json', '/openapi.json', '/openapi/examples/infer-uint8.json'];
    expect(docs.map(endpointGroup)).toEqual(docs.map(() => 'docs'));
    expect(['/v1/analyses', '/v2/health/ready', '/v2', '/documents', undefined].map(endpointGroup)).toEqual(['api', 'api', 'api', 'api', 'api']);
  });
});

describe('a gateway with API keys', () => {
  let stack: Stack;
  const logs: string[] = [];
  beforeAll(async () => {
    const logger = createLogger('gateway', 'info', { write: (line: string) => void logs.push(line) });
    stack = await startStack({ apiKeys: KEYS, corsOrigins: [CLINIC], hstsMaxAgeSeconds: 86_400 }, 1, { logger });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('answers a request without a key 401 with a Bearer challenge', async () => {
    const response = await stack.app.inject(photoRequest());
    expect(problem(response, 401, 'unauthenticated').detail).toMatch(/Authorization: Bearer <key> or x-api-key/);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="skinlesion"');
    expect(stack.tiler.calls).toEqual([]);
  });

  it('answers a wrong key 401 invalid_token, whatever its length', async () => {
    for (const wrong of [BOB.slice(0, -1) + 'Q', 'k'.repeat(3), ALICE + 'x', 'not a token at all']) {
      const response = await stack.app.inject(photoRequest({ 'x-api-key': wrong }));
      expect(problem(response, 401, 'unauthenticated').detail, wrong).toBe('the API key is not valid');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="skinlesion", error="invalid_token", error_description="the API key is not valid"');
    }
    // Another scheme is no key at all (RFC 6750): a plain challenge, no error.
    const basic = await stack.app.inject(photoRequest({ authorization: 'Basic YWxpY2U6c2VjcmV0' }));
    expect(basic.statusCode).toBe(401);
    expect(basic.headers['www-authenticate']).toBe('Bearer realm="skinlesion"');
    expect(stack.tiler.calls).toEqual([]);
  });

  it('serves a request with a key in either header', async () => {
    const bearer = await stack.app.inject(photoRequest({ authorization: `Bearer ${ALICE}` }));
    expect(bearer.statusCode, bearer.body).toBe(200);
    const header = await stack.app.inject(photoRequest({ 'x-api-key': BOB }));
    expect(header.statusCode, header.body).toBe(200);
    const metrics = await stack.registry.metrics();
    expect(metrics).toContain('skinlesion_api_key_requests_total{client="alice"} 1');
    expect(metrics).toContain('skinlesion_api_key_requests_total{client="bob"} 1');
  });

  it('refuses two different keys in the two headers with 400', async () => {
    const response = await stack.app.inject(photoRequest({ authorization: `Bearer ${ALICE}`, 'x-api-key': BOB }));
    problem(response, 400, 'invalid-request');
    expect(response.headers['www-authenticate']).toMatch(/error="invalid_request"/);
  });

  it('answers the inference protocols 401 in their own error shape', async () => {
    const response = await stack.app.inject('/v2/models/fake-model');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: expect.stringMatching(/API key is required/) });
    expect(response.headers['www-authenticate']).toBe('Bearer realm="skinlesion"');
    expect((await stack.app.inject({ url: '/v2/models/fake-model', headers: { 'x-api-key': ALICE } })).statusCode).toBe(200);
  });

  it('tells unknown paths apart only to a client with a key', async () => {
    expect((await stack.app.inject('/v1/nothing-here')).statusCode).toBe(401);
    problem(await stack.app.inject({ url: '/v1/nothing-here', headers: { authorization: `Bearer ${ALICE}` } }), 404, 'not-found');
  });

  it('leaves health, metrics, the web page and the docs open by default', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/', '/assets/app.js', '/docs', '/docs/json', '/openapi.json']) {
      expect((await stack.app.inject(url)).statusCode, url).toBe(200);
    }
  });

  it('documents the key on the operations that need one, and nowhere else', async () => {
    const document = (await stack.app.inject('/openapi.json')).json() as Json;
    expect((await validate(structuredClone(document) as never)).valid).toBe(true);
    expect(Object.keys(document.components.securitySchemes)).toEqual(['apiKeyHeader', 'bearerKey']);
    expect(document.components.securitySchemes.apiKeyHeader).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
    expect(document.info.description).toContain('**Authentication**');
    const analyses = document.paths['/v1/analyses'].post;
    expect(analyses.security).toEqual([{ apiKeyHeader: [] }, { bearerKey: [] }]);
    expect(analyses.responses['401'].headers['www-authenticate']).toBeDefined();
    expect(analyses.responses['401'].content['application/problem+json'].examples.unauthenticated.value.status).toBe(401);
    const infer = document.paths['/v2/models/{model_name}/infer'].post;
    expect(infer.responses['401'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/OipError' });
    for (const open of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      expect(document.paths[open].get.security, open).toBeUndefined();
      expect(document.paths[open].get.responses['401'], open).toBeUndefined();
    }
    // No rate limit here: no 429 documented.
    expect(analyses.responses['429']).toBeUndefined();
  });

  it('logs the client by name, never its key, the photo bytes or their file name', async () => {
    const marker = 'GPS-48.8583N-2.2944E-Jane-Doe';
    const secretPhoto = photo({ candidates: [{ cls: 3 }], marker } as never);
    const form = await multipart([{ data: secretPhoto, filename: `${marker}.jpg` }]);
    const analysed = await stack.app.inject({ method: 'POST', url: '/v1/analyses', payload: form.payload, headers: { ...form.headers, authorization: `Bearer ${ALICE}` } });
    expect(analysed.statusCode, analysed.body).toBe(200);
    await stack.app.inject(photoRequest({ 'x-api-key': `${BOB}-wrong` }, secretPhoto));
    await stack.app.inject(photoRequest({ authorization: `Bearer ${ALICE}`, 'x-api-key': BOB }, secretPhoto));
    const text = logs.join('');
    const completed = logs.map((line) => JSON.parse(line) as Json).filter((line) => line.msg === 'request completed' && line.client === 'alice');
    expect(completed.length).toBeGreaterThan(0);
    expect(text).toContain('"client":"alice"');
    for (const secret of [ALICE, BOB, marker, secretPhoto.toString('base64').slice(0, 24)]) expect(text).not.toContain(secret);
  });

  it('sends the security headers on every answer, HSTS when configured', async () => {
    const answers: Array<[string, LightMyRequestResponse]> = [
      ['a JSON answer', await stack.app.inject('/healthz')],
      ['a 401', await stack.app.inject('/v1/classify')],
      ['a 404', await stack.app.inject({ url: '/nothing', headers: { 'x-api-key': ALICE } })],
      ['the web page', await stack.app.inject('/')],
      ['a 304', await stack.app.inject({ url: '/assets/app.css', headers: { 'if-none-match': (await stack.app.inject('/assets/app.css')).headers.etag as string } })],
      ['Swagger UI', await stack.app.inject('/docs/static/swagger-ui-bundle.js')],
      ['a preflight', await stack.app.inject({ method: 'OPTIONS', url: '/v1/analyses', headers: { origin: CLINIC, 'access-control-request-method': 'POST' } })],
    ];
    for (const [what, response] of answers) {
      expectSecurityHeaders(response, what);
      expect(response.headers['strict-transport-security'], what).toBe('max-age=86400');
    }
    expect(answers[4][1].statusCode).toBe(304);
  });

  it('answers a CORS preflight without a key', async () => {
    const response = await stack.app.inject({
      method: 'OPTIONS',
      url: '/v1/analyses',
      headers: { origin: CLINIC, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-request-timeout-ms' },
    });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': CLINIC,
      'access-control-allow-methods': 'GET, HEAD, POST',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
    const allowed = String(response.headers['access-control-allow-headers']).split(', ');
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'x-api-key', 'content-type', 'x-request-id', 'x-request-timeout-ms']));
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('gives a refused origin no CORS permission', async () => {
    const preflight = await stack.app.inject({ method: 'OPTIONS', url: '/v1/analyses', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    const actual = await stack.app.inject({ url: '/healthz', headers: { origin: 'https://evil.example' } });
    expect(actual.headers['access-control-allow-origin']).toBeUndefined();
    expect(actual.headers.vary).toBe('Origin');
  });

  it('lets an allowed page read the answer and its headers, a 401 included', async () => {
    const served = await stack.app.inject({ ...photoRequest({ origin: CLINIC, 'x-api-key': ALICE }) });
    expect(served.statusCode).toBe(200);
    expect(served.headers['access-control-allow-origin']).toBe(CLINIC);
    expect(served.headers.vary).toBe('Origin');
    expect(String(served.headers['access-control-expose-headers']).split(', ')).toEqual(['x-request-id', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']);
    const refused = await stack.app.inject(photoRequest({ origin: CLINIC }));
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(CLINIC);
  });
});

describe('a gateway whose health, metrics and docs need a key too', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ apiKeys: KEYS, healthRequiresKey: true, metricsRequiresKey: true, docsRequiresKey: true }, 1);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('refuses them without a key and serves them with one', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/', '/assets/app.js', '/docs', '/docs/json', '/openapi.json', '/openapi/examples/infer-uint8.json']) {
      const refused = await stack.app.inject(url);
      expect(refused.statusCode, url).toBe(401);
      expect(refused.headers['www-authenticate'], url).toBe('Bearer realm="skinlesion"');
      expect((await stack.app.inject({ url, headers: { authorization: `Bearer ${BOB}` } })).statusCode, url).toBe(200);
    }
  });

  it('documents the requirement on the health routes too', async () => {
    const document = (await stack.app.inject({ url: '/openapi.json', headers: { 'x-api-key': ALICE } })).json() as Json;
    expect(document.paths['/healthz'].get.security).toEqual([{ apiKeyHeader: [] }, { bearerKey: [] }]);
    expect(document.paths['/metrics'].get.responses['401']).toBeDefined();
    expect(document.info.description).not.toContain('Open without a key');
  });
});

describe('the rate limit', () => {
  let stack: Stack;
  let clock = 0;
  beforeAll(async () => {
    stack = await startStack({ rateLimitPerSecond: 0.5, rateLimitBurst: 3, rateLimitMaxClients: 50 }, 1, { now: () => clock });
  });
  afterAll(async () => {
    await stack.close();
  });

  const from = (address: string, url = '/v2') => stack.app.inject({ url, remoteAddress: address });

  it('allows a burst per client address, then 429 with Retry-After until a token is back', async () => {
    clock = 0;
    const allowed = [await from('192.0.2.1'), await from('192.0.2.1'), await from('192.0.2.1')];
    expect(allowed.map((response) => response.statusCode)).toEqual([200, 200, 200]);
    expect(allowed.map((response) => response.headers['ratelimit-remaining'])).toEqual(['2', '1', '0']);
    expect(allowed[0].headers['ratelimit-limit']).toBe('3');
    expect(allowed[2].headers['ratelimit-reset']).toBe('6');

    // /v2 speaks the Open Inference Protocol: the refusal is {"error"}, with the same headers.
    const refused = await from('192.0.2.1');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({ error: expect.stringMatching(/more than 0.5 requests per second \(bursts of 3\); retry in 2 s/) });
    expect(refused.headers).toMatchObject({ 'retry-after': '2', 'ratelimit-limit': '3', 'ratelimit-remaining': '0', 'ratelimit-reset': '6' });
    // The problem+json routes answer the problem.
    const body = problem(await from('192.0.2.1', '/openapi.json'), 429, 'rate-limited');
    expect(body).toMatchObject({ limit: 'RATE_LIMIT_PER_SECOND', max: 0.5, retryAfterSeconds: 2 });

    // Another client is not affected.
    expect((await from('198.51.100.9')).statusCode).toBe(200);

    clock += 1500;
    const soon = await from('192.0.2.1');
    expect([soon.statusCode, soon.headers['retry-after']]).toEqual([429, '1']);
    clock += 500;
    expect((await from('192.0.2.1')).statusCode).toBe(200);
    expect((await from('192.0.2.1')).statusCode).toBe(429);
    expect(await stack.registry.metrics()).toMatch(/skinlesion_rate_limited_total\{client="anonymous"\} [1-9]/);
  });

  it('never limits health and metrics', async () => {
    clock = 1_000_000;
    for (let index = 0; index < 10; index += 1) {
      for (const url of ['/healthz', '/readyz', '/metrics']) {
        const response = await from('192.0.2.77', url);
        expect(response.statusCode, url).toBe(200);
        expect(response.headers['ratelimit-limit'], url).toBeUndefined();
      }
    }
  });

  it('holds no more clients than its cap, and forgets idle ones', async () => {
    clock = 2_000_000;
    for (let index = 0; index < 200; index += 1) await from(`10.1.${Math.floor(index / 250)}.${index % 250}`);
    expect(await stack.registry.metrics()).toContain('skinlesion_rate_limit_clients 50');
    clock += 6000; // burst / rate = 6 s: every bucket is full again
    await from('10.9.9.9');
    expect(await stack.registry.metrics()).toContain('skinlesion_rate_limit_clients 1');
  });

  it('documents 429 with its headers on the limited routes only', async () => {
    clock = 3_000_000;
    const document = (await from('192.0.2.200', '/openapi.json')).json() as Json;
    expect((await validate(structuredClone(document) as never)).valid).toBe(true);
    const limited = document.paths['/v1/analyses'].post.responses['429'];
    expect(Object.keys(limited.headers)).toEqual(['x-request-id', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']);
    expect(limited.content['application/problem+json'].examples['rate-limited'].value.status).toBe(429);
    expect(document.paths['/v2'].get.responses['429'].content['application/json']).toBeDefined();
    expect(document.paths['/healthz'].get.responses['429']).toBeUndefined();
    expect(document.paths['/metrics'].get.responses['429']).toBeUndefined();
    expect(document.info.description).toContain('**Rate limit**');
  });
});

describe('the rate limit with API keys', () => {
  let stack: Stack;
  let clock = 0;
  beforeAll(async () => {
    stack = await startStack({ apiKeys: KEYS, rateLimitPerSecond: 1, rateLimitBurst: 2 }, 1, { now: () => clock });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('counts per key, wherever the requests come from', async () => {
    const as = (key: string, address: string) => stack.app.inject({ url: '/v2', remoteAddress: address, headers: { 'x-api-key': key } });
    expect((await as(ALICE, '192.0.2.1')).statusCode).toBe(200);
    expect((await as(ALICE, '192.0.2.2')).statusCode).toBe(200);
    const refused = await as(ALICE, '192.0.2.3');
    expect([refused.statusCode, refused.headers['retry-after']]).toEqual([429, '1']);
    // Bob, from Alice's address, has his own bucket.
    expect((await as(BOB, '192.0.2.1')).statusCode).toBe(200);
    expect(await stack.registry.metrics()).toContain('skinlesion_rate_limited_total{client="alice"} 1');
    clock += 1000;
    expect((await as(ALICE, '192.0.2.1')).statusCode).toBe(200);
  });

  it('refuses a request without a key before it costs a token', async () => {
    clock = 100_000;
    for (let index = 0; index < 5; index += 1) expect((await stack.app.inject('/v2')).statusCode).toBe(401);
    expect((await stack.app.inject({ url: '/v2', headers: { 'x-api-key': BOB } })).headers['ratelimit-remaining']).toBe('1');
  });
});

describe('the browser-facing defaults', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({}, 1);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('still serve the web page and the docs, with a policy they work under', async () => {
    const page = await stack.app.inject('/');
    expect(page.statusCode).toBe(200);
    expectSecurityHeaders(page, 'the page');
    expect(page.headers['strict-transport-security']).toBeUndefined();
    const policy = directives(String(page.headers['content-security-policy']));
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    // Photos are shown from blob: URLs, Swagger UI's icons and logo are data: URLs.
    expect(policy.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);

    // Under that policy the page may have no inline script, style or event handler.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(page.body).not.toMatch(/<style|\sstyle\s*=|\son[a-z]+\s*=/i);
    const script = (await stack.app.inject('/assets/app.js')).body;
    expect(script).not.toMatch(/\beval\(|new Function|setAttribute\(\s*['"](style|on)/);
    const docs = await stack.app.inject('/docs');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(docs.body).not.toMatch(/\sstyle\s*=|\son[a-z]+\s*=/i);
  });

  it('send no CORS headers and answer no preflight', async () => {
    const preflight = await stack.app.inject({ method: 'OPTIONS', url: '/v1/analyses', headers: { origin: CLINIC, 'access-control-request-method': 'POST' } });
    expect(preflight.statusCode).toBe(404);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const actual = await stack.app.inject({ url: '/healthz', headers: { origin: CLINIC } });
    expect(actual.headers['access-control-allow-origin']).toBeUndefined();
    expect(actual.headers.vary).toBeUndefined();
  });
});

describe('security headers off and CORS for any origin', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ securityHeaders: false, corsOrigins: '*', corsMaxAgeSeconds: 60 }, 1);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('send none of the security headers', async () => {
    const response = await stack.app.inject('/healthz');
    for (const header of ['content-security-policy', 'x-frame-options', 'referrer-policy', 'cross-origin-resource-policy', 'strict-transport-security']) {
      expect(response.headers[header], header).toBeUndefined();
    }
  });

  it('allow every origin with *', async () => {
    const preflight = await stack.app.inject({ method: 'OPTIONS', url: '/v1/classify', headers: { origin: 'https://anywhere.example', 'access-control-request-method': 'POST' } });
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-max-age': '60' });
    expect((await stack.app.inject({ url: '/healthz', headers: { origin: 'https://anywhere.example' } })).headers['access-control-allow-origin']).toBe('*');
  });
});
