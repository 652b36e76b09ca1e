import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { credentials, ServerCredentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { ConfigError, oneOf, port, str, type ConfigOf, type Field } from '@skinlesion/config';

/**
 * Optional TLS, and mutual TLS, on the internal gRPC hops. Each gRPC service spreads
 * serverTlsSpec into its config spec and the gateway spreads clientTlsSpec into its own, so that
 * every service reads the same variable names. Certificates come from files only (a mounted
 * Kubernetes Secret, a Docker secret), read once at start-up: a missing or unreadable file, or
 * one that holds no usable certificate or key, refuses the start with a ConfigError.
 */

/** The contents of a PEM file read at start-up, with the path it came from for messages. */
export class PemFile {
  constructor(
    readonly path: string,
    readonly pem: Buffer,
  ) {}

  /** A config object may be logged: show where the file is, never a private key's bytes. */
  toJSON(): string {
    return this.path;
  }
}

/** Reads a file or throws an Error whose message says why, without repeating the path. */
function readPem(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    // Node's message ends with ", open '<path>'"; loadConfig already shows the value.
    throw new Error(`cannot read the file: ${(error as Error).message.replace(/, \w+ '.*'$/, '')}`);
  }
}

// One PEM certificate block; lazy so that a bundle of several yields each one.
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * A field naming a PEM file, read and checked once at start-up; null when unset. `check` throws
 * an Error saying what is wrong with the contents.
 */
function pemFile(env: string, doc: string, check: (pem: Buffer) => void): Field<PemFile | null> {
  return {
    env,
    doc,
    fallback: null,
    parse: (raw) => {
      const file = path.resolve(raw);
      const pem = readPem(file);
      check(pem);
      return new PemFile(file, pem);
    },
  };
}

/** A PEM file of one or more certificates. */
function certificateFile(env: string, doc: string): Field<PemFile | null> {
  return pemFile(env, doc, (pem) => {
    const blocks = pem.toString('utf8').match(CERTIFICATE_BLOCK) ?? [];
    if (blocks.length === 0) throw new Error('no PEM certificate in the file (expected -----BEGIN CERTIFICATE-----)');
    blocks.forEach((block, index) => {
      try {
        new X509Certificate(block);
      } catch (error) {
        throw new Error(`certificate ${index + 1} of the file does not parse: ${(error as Error).message}`);
      }
    });
  });
}

/** A PEM private key file. */
function privateKeyFile(env: string, doc: string): Field<PemFile | null> {
  return pemFile(env, doc, (pem) => {
    const text = pem.toString('utf8');
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw new Error('no PEM private key in the file (expected -----BEGIN PRIVATE KEY-----)');
    // There is no passphrase variable: a key needing one could never be used.
    if (/ENCRYPTED/.test(text)) throw new Error('the private key is encrypted: store it unencrypted (e.g. openssl pkey -in key.pem -out plain.pem) on a secret volume');
    try {
      createPrivateKey(pem);
    } catch (error) {
      throw new Error(`the private key does not parse: ${(error as Error).message}`);
    }
  });
}

/** A port that may be left unset (null). */
function optionalPort(env: string, doc: string): Field<number | null> {
  const field = port(env, { doc });
  return { env, doc, fallback: null, parse: field.parse };
}

/**
 * A DNS name as checked against a certificate's subject alternative names: letters, digits, '-'
 * and '.', up to 253 characters, not starting or ending with '.' or '-'.
 */
function serverName(env: string, doc: string): Field<string> {
  return {
    ...str(env, { doc, fallback: '' }),
    parse: (raw) => {
      if (!/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(raw)) throw new Error('expected a DNS name such as tiler.skinlesion.svc');
      return raw.toLowerCase();
    },
  };
}

/** The server side, for tiler, classifier and ugly-duckling: spread into the service's spec. */
export const serverTlsSpec = {
  grpcTlsCert: certificateFile(
    'GRPC_TLS_CERT_FILE',
    'PEM certificate chain the gRPC server presents, its own certificate first; with GRPC_TLS_KEY_FILE turns TLS on (unset: plaintext gRPC)',
  ),
  grpcTlsKey: privateKeyFile('GRPC_TLS_KEY_FILE', 'PEM private key of GRPC_TLS_CERT_FILE (unencrypted)'),
  grpcTlsClientCa: certificateFile(
    'GRPC_TLS_CLIENT_CA_FILE',
    'PEM CA certificates that client certificates must chain to; set = mutual TLS: a caller without such a certificate is refused during the handshake',
  ),
  grpcHealthPort: optionalPort(
    'GRPC_HEALTH_PORT',
    'extra plaintext port serving only grpc.health.v1, for probes that cannot speak (mutual) TLS such as the kubelet\'s; unset = none, 0 = any free port',
  ),
};

/** The client side, for the gateway: spread into its spec. */
export const clientTlsSpec = {
  grpcTls: oneOf('GRPC_TLS', ['auto', 'off', 'system'] as const, {
    doc: 'TLS to the gRPC backends: auto = TLS when GRPC_TLS_CA_FILE is set, plaintext otherwise; system = TLS checked against the system\'s trusted roots (Cloud Run URLs); off = plaintext',
    fallback: 'auto',
  }),
  grpcTlsCa: certificateFile('GRPC_TLS_CA_FILE', 'PEM CA certificates the backends\' certificates must chain to; set = TLS to every backend'),
  grpcTlsClientCert: certificateFile('GRPC_TLS_CLIENT_CERT_FILE', 'PEM certificate chain presented to backends that require mutual TLS; needs GRPC_TLS_CLIENT_KEY_FILE'),
  grpcTlsClientKey: privateKeyFile('GRPC_TLS_CLIENT_KEY_FILE', 'PEM private key of GRPC_TLS_CLIENT_CERT_FILE (unencrypted)'),
  grpcTlsServerName: serverName(
    'GRPC_TLS_SERVER_NAME',
    'name checked in every backend\'s certificate instead of the host dialled, e.g. when dialling the pod IPs behind a headless Service (empty: the host dialled)',
  ),
};

export type ServerTlsSettings = ConfigOf<typeof serverTlsSpec>;
export type ClientTlsSettings = ConfigOf<typeof clientTlsSpec>;

/** What a server's port speaks: plaintext, TLS, or TLS that also demands a client certificate. */
export type ServerTlsMode = 'off' | 'tls' | 'mutual';
/** What the gateway's channels speak: plaintext, TLS against GRPC_TLS_CA_FILE, or against the system roots. */
export type ClientTlsMode = 'off' | 'ca' | 'system';

/** Problems of a certificate and its key as a pair: one without the other, or keys that differ. */
function pairProblems(cert: PemFile | null | undefined, key: PemFile | null | undefined, certEnv: string, keyEnv: string): string[] {
  if (cert && !key) return [`${certEnv} is set without ${keyEnv}: a certificate is of no use without its private key`];
  if (key && !cert) return [`${keyEnv} is set without ${certEnv}: a private key is of no use without its certificate`];
  if (cert && key && !new X509Certificate(cert.pem).checkPrivateKey(createPrivateKey(key.pem))) {
    return [`${keyEnv} (${key.path}) is not the private key of the first certificate in ${certEnv} (${cert.path})`];
  }
  return [];
}

/**
 * Settings that each parse but do not go together, listed at once. Absent fields count as
 * unset, so a caller may pass any object that carries some or none of them.
 */
export function serverTlsProblems(settings: Partial<ServerTlsSettings>): string[] {
  const problems = pairProblems(settings.grpcTlsCert, settings.grpcTlsKey, 'GRPC_TLS_CERT_FILE', 'GRPC_TLS_KEY_FILE');
  if (settings.grpcTlsClientCa && !settings.grpcTlsCert) {
    problems.push('GRPC_TLS_CLIENT_CA_FILE is set without GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE: mutual TLS needs the server\'s own certificate first');
  }
  return problems;
}

export function serverTlsMode(settings: Partial<ServerTlsSettings>): ServerTlsMode {
  if (!settings.grpcTlsCert) return 'off';
  return settings.grpcTlsClientCa ? 'mutual' : 'tls';
}

/** The server's credentials: plaintext when no certificate is configured. Throws a ConfigError on settings that do not go together. */
export function serverCredentialsFrom(settings: Partial<ServerTlsSettings>): ServerCredentials {
  const problems = serverTlsProblems(settings);
  if (problems.length > 0) throw new ConfigError(problems);
  const { grpcTlsCert: cert, grpcTlsKey: key, grpcTlsClientCa: clientCa } = settings;
  if (!cert || !key) return ServerCredentials.createInsecure();
  // With a client CA, a caller must present a certificate chaining to it; the handshake fails otherwise.
  return ServerCredentials.createSsl(clientCa?.pem ?? null, [{ cert_chain: cert.pem, private_key: key.pem }], Boolean(clientCa));
}

export function clientTlsMode(settings: Partial<ClientTlsSettings>): ClientTlsMode {
  if (settings.grpcTls === 'system') return 'system';
  if (settings.grpcTls === 'off' || !settings.grpcTlsCa) return 'off';
  return 'ca';
}

export function clientTlsProblems(settings: Partial<ClientTlsSettings>): string[] {
  const problems = pairProblems(settings.grpcTlsClientCert, settings.grpcTlsClientKey, 'GRPC_TLS_CLIENT_CERT_FILE', 'GRPC_TLS_CLIENT_KEY_FILE');
  const mode = settings.grpcTls ?? 'auto';
  const needingTls = [
    ['GRPC_TLS_CLIENT_CERT_FILE', settings.grpcTlsClientCert],
    ['GRPC_TLS_CLIENT_KEY_FILE', settings.grpcTlsClientKey],
    ['GRPC_TLS_SERVER_NAME', settings.grpcTlsServerName],
  ] as const;
  const set = needingTls.filter(([, value]) => Boolean(value)).map(([name]) => name);
  if (mode === 'off') {
    // A half-forgotten configuration is more likely than a wish to ignore these.
    const ignored = settings.grpcTlsCa ? ['GRPC_TLS_CA_FILE', ...set] : set;
    if (ignored.length > 0) problems.push(`GRPC_TLS=off but ${ignored.join(', ')} ${ignored.length > 1 ? 'are' : 'is'} set: unset ${ignored.length > 1 ? 'them' : 'it'} or turn TLS on`);
  } else if (mode === 'auto' && !settings.grpcTlsCa && set.length > 0) {
    problems.push(`${set.join(', ')} ${set.length > 1 ? 'take' : 'takes'} effect only with TLS: set GRPC_TLS_CA_FILE, or GRPC_TLS=system`);
  } else if (mode === 'system' && settings.grpcTlsCa) {
    problems.push('GRPC_TLS=system trusts the system\'s roots but GRPC_TLS_CA_FILE would replace them: unset one (NODE_EXTRA_CA_CERTS adds a root to the system\'s)');
  }
  return problems;
}

/** The channel credentials for every backend: plaintext, or TLS with the configured roots and client certificate. Throws a ConfigError on settings that do not go together. */
export function channelCredentialsFrom(settings: Partial<ClientTlsSettings>): ChannelCredentials {
  const problems = clientTlsProblems(settings);
  if (problems.length > 0) throw new ConfigError(problems);
  const mode = clientTlsMode(settings);
  if (mode === 'off') return credentials.createInsecure();
  // null roots = Node's bundled roots (plus NODE_EXTRA_CA_CERTS), which is what "system" means here.
  const roots = mode === 'ca' ? settings.grpcTlsCa!.pem : null;
  return credentials.createSsl(roots, settings.grpcTlsClientKey?.pem ?? null, settings.grpcTlsClientCert?.pem ?? null);
}

/** Channel options the TLS settings add: the certificate name to check, when overridden. */
export function tlsChannelOptions(settings: Partial<ClientTlsSettings>): ChannelOptions {
  if (clientTlsMode(settings) === 'off' || !settings.grpcTlsServerName) return {};
  // grpc-js checks this name against the certificate and sends it as SNI, instead of the host dialled.
  return { 'grpc.ssl_target_name_override': settings.grpcTlsServerName };
}

/** Credentials and channel options together: what each client constructor takes. */
export interface ClientTransport {
  readonly credentials: ChannelCredentials;
  readonly channelOptions: ChannelOptions;
}

export function clientTransportFrom(settings: Partial<ClientTlsSettings>): ClientTransport {
  return { credentials: channelCredentialsFrom(settings), channelOptions: tlsChannelOptions(settings) };
}
