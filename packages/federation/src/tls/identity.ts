/**
 * A node's TLS identity: an ECDSA P-256 key pair and a self-signed X.509 certificate whose
 * subject CN is the node id. Partners pin the certificate's SHA-256 fingerprint in a contract;
 * there is no certificate authority (standard 001 §9 g: mutual authentication, TLS ≥ 1.2; we
 * require TLS 1.3).
 */
import 'reflect-metadata'; // required by @peculiar/x509's dependency injection
import { webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface TlsIdentity {
  /** PEM of the PKCS#8 private key. */
  keyPem: string;
  /** PEM of the self-signed certificate. */
  certPem: string;
  /** SHA-256 fingerprint of the certificate, "AB:CD:…" (as node:crypto prints it). */
  fingerprint: string;
}

/** The SHA-256 fingerprint of a PEM certificate. @throws if the PEM is not a certificate. */
export function certificateFingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** Subject common name of a PEM certificate (the node id for FedGrid certificates). */
export function certificateCommonName(certPem: string): string | undefined {
  const m = /CN=([^\n,]+)/.exec(new X509Certificate(certPem).subject);
  return m?.[1];
}

/**
 * Creates a new identity for `nodeId`, valid for `validDays` days.
 * @param nodeId letters, digits, '.', '_' and '-' only.
 */
export async function generateIdentity(nodeId: string, validDays = 3650): Promise<TlsIdentity> {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(nodeId)) {
    throw new RangeError(
      `node id '${nodeId}' must be 1–64 characters of A–Z, a–z, 0–9, '.', '_' or '-'`,
    );
  }
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + validDays * 86_400_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=${nodeId}, O=FedGrid node`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: `${nodeId}.fedgrid` },
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const keyPem = x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
  const certPem = cert.toString('pem');
  return { keyPem, certPem, fingerprint: certificateFingerprint(certPem) };
}
