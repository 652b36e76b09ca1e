import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of throwaway PEM files, made fresh for each test run: no certificate lives in the repository. */
export interface TestPki {
  readonly dir: string;
  /** The CA every certificate below is signed by, except the stranger's. */
  readonly caCert: string;
  /** Server certificate for localhost and 127.0.0.1. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** Server certificate for backend.skinlesion.test only: dialling 127.0.0.1 needs the name override. */
  readonly namedServerCert: string;
  readonly namedServerKey: string;
  /** Client certificate (clientAuth) for mutual TLS. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate from another CA, which a mutual-TLS server must refuse. */
  readonly strangerCert: string;
  readonly strangerKey: string;
  remove(): Promise<void>;
}

/** The name in namedServerCert. */
export const NAMED_SERVER = 'backend.skinlesion.test';

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const { code, stderr } = error as { code?: string; stderr?: string };
    if (code === 'ENOENT') throw new Error('openssl is needed to make the test certificates (Debian: apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${stderr ?? String(error)}`);
  }
}

/** A P-256 key and a certificate request; P-256 keys take milliseconds, where RSA takes far longer. */
async function keyAndRequest(dir: string, name: string, subject: string): Promise<void> {
  await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
}

async function selfSignedCa(dir: string, name: string): Promise<void> {
  await openssl(
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
}

async function signed(dir: string, ca: string, name: string, subject: string, extensions: string): Promise<void> {
  await keyAndRequest(dir, name, subject);
  await writeFile(path.join(dir, `${name}.ext`), extensions);
  await openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`],
    dir,
  );
}

/** A CA, server and client certificates in a new temporary folder, made with the openssl command. */
export async function makeTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(path.join(tmpdir(), 'grpc-tls-'));
  try {
    await Promise.all([selfSignedCa(dir, 'ca'), selfSignedCa(dir, 'stranger-ca')]);
    // Serially per CA: each signing updates the CA's serial file.
    await signed(dir, 'ca', 'server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    await signed(dir, 'ca', 'named-server', `/CN=${NAMED_SERVER}`, `subjectAltName=DNS:${NAMED_SERVER}\nextendedKeyUsage=serverAuth\n`);
    await signed(dir, 'ca', 'client', '/CN=gateway', 'extendedKeyUsage=clientAuth\n');
    await signed(dir, 'stranger-ca', 'stranger', '/CN=gateway', 'extendedKeyUsage=clientAuth\n');
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    caCert: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    namedServerCert: file('named-server.crt'),
    namedServerKey: file('named-server.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
    strangerCert: file('stranger.crt'),
    strangerKey: file('stranger.key'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
