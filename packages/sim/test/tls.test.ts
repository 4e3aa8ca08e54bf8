import { X509Certificate } from 'node:crypto';
import { createSecureContext as tlsContext } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { selfSignedCert } from '../src/apiserver/tls.ts';

describe('the simulated API server certificate', () => {
  // One serial in 128 used to start with a 0x00 byte, which TLS refuses as illegal padding:
  // a simulated fleet then failed to start, once in a while.
  it('is always a certificate TLS accepts, for localhost and 127.0.0.1', () => {
    for (let i = 0; i < 1000; i++) {
      const { key, cert } = selfSignedCert();
      expect(() => tlsContext({ key, cert })).not.toThrow();
      const x509 = new X509Certificate(cert);
      expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(x509.checkHost('localhost')).toBe('localhost');
    }
  });
});
