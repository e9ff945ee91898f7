// Self-signed certificates for TLS specs, made by the real openssl binary
// (`openssl req -x509 ...`) in a temporary directory removed after the test.

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { locate } from './system-program.js';

export interface TestCert {
  /** The temporary directory holding the files; removeCert() deletes it. */
  dir: string;
  key: Buffer;
  cert: Buffer;
  keyPath: string;
  certPath: string;
  /** SHA-256 fingerprint as node:tls reports it (AA:BB:...). */
  fingerprint256: string;
}

/** Key generation is slow on a loaded machine: make certificates once per spec file (test.before). */
export const makeCert = (cn = 'localhost'): TestCert => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-cert-'));
  const keyPath = path.join(dir, 'k.pem');
  const certPath = path.join(dir, 'c.pem');
  execFileSync(locate('openssl') ?? 'openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-days', '1', '-keyout', keyPath, '-out', certPath], {
    stdio: 'ignore',
  });
  const cert = fs.readFileSync(certPath);
  return { dir, key: fs.readFileSync(keyPath), cert, keyPath, certPath, fingerprint256: new crypto.X509Certificate(cert).fingerprint256 };
};

export const removeCert = (cert: TestCert | undefined): void => {
  if (cert) fs.rmSync(cert.dir, { recursive: true, force: true });
};
