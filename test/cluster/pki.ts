// Credentials for a test fleet: one CA, a serving certificate per apiserver (for 127.0.0.1 and the
// in-cluster names), service-account signing keys and random bearer tokens.
// Certificates are made with the openssl command line (node:crypto cannot sign X.509).
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed (is the openssl command installed?): ${stderr}`);
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650'];

export function makeCa(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'ca.crt');
  const key = join(dir, 'ca.key');
  openssl([
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    key,
    '-out',
    cert,
    '-subj',
    '/CN=portolan-test-fleet-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { cert, key };
}

/** A serving certificate signed by the CA, valid for the loopback address and in-cluster names. */
export function makeServingCert(
  dir: string,
  ca: { cert: string; key: string },
  commonName: string,
  fileBase = 'apiserver',
): { cert: string; key: string } {
  const cert = join(dir, `${fileBase}.crt`);
  const key = join(dir, `${fileBase}.key`);
  const names = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'];
  openssl([
    'req',
    '-x509',
    ...EC_KEY,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-keyout',
    key,
    '-out',
    cert,
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    `subjectAltName=IP:127.0.0.1,IP:10.96.0.1,${names.map((n) => `DNS:${n}`).join(',')}`,
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature',
    '-addext',
    'extendedKeyUsage=serverAuth',
  ]);
  return { cert, key };
}

/** The key pair the apiserver signs service-account tokens with and the controller-manager uses. */
export function makeServiceAccountKeys(dir: string): { publicKey: string; privateKey: string } {
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const publicKey = join(dir, 'sa.pub');
  const privateKey = join(dir, 'sa.key');
  writeFileSync(publicKey, pair.publicKey);
  writeFileSync(privateKey, pair.privateKey, { mode: 0o600 });
  return { publicKey, privateKey };
}

export const newToken = (): string => randomBytes(24).toString('hex');
