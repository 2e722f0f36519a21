/**
 * X.509 v3 certificates with SM2 keys, signed SM2-with-SM3 (GM/T 0015-2012 "digital certificate
 * format based on SM2", GB/T 20518-2018): the subject public key is `id-ecPublicKey` on the
 * named curve `sm2p256v1` (1.2.156.10197.1.301), the signature algorithm `SM2-with-SM3`
 * (1.2.156.10197.1.501, parameters absent) and the signature value the DER `SM2Signature`
 * (GM/T 0009-2012 §7.3) over the DER TBSCertificate, computed with the **default user ID**
 * `1234567812345678` (GM/T 0009-2012 §10, as certificate signatures require).
 *
 * node:crypto cannot issue such a certificate (WebCrypto has no SM2; `crypto.sign` uses an empty
 * distinguishing ID, docs/protocols/sm-suite.md), so the structure is encoded with
 * @peculiar/asn1-x509 and signed with {@link sm2Sign}. node:crypto (OpenSSL) parses the result.
 */
import { ECParameters } from '@peculiar/asn1-ecc';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_kp_clientAuth,
  id_kp_serverAuth,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { randomBytes } from 'node:crypto';
import { SM2_DEFAULT_USER_ID } from './sm2-curve.js';
import {
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2SignatureFromDer,
  sm2SignatureToDer,
  sm2Verify,
} from './sm2-sign.js';

/** OID of the signature algorithm SM2-with-SM3 (GM/T 0006-2012). */
export const OID_SM2_WITH_SM3 = '1.2.156.10197.1.501';
/** OID of the named curve sm2p256v1 (GM/T 0006-2012). */
export const OID_SM2_CURVE = '1.2.156.10197.1.301';
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';

/** What {@link issueSm2Certificate} needs. */
export interface Sm2CertificateOptions {
  /** Subject common name (for FedGrid: the node id). Also the issuer (self-signed). */
  commonName: string;
  /** Subject organisation. @default 'FedGrid node' */
  organization?: string;
  /** 32-byte SM2 private key that signs (and whose public key is certified). */
  privateKey: Uint8Array;
  /** Days of validity from one minute ago. @default 3650 */
  validDays?: number;
}

function name(commonName: string, organization: string): Name {
  const rdn = (type: string, value: string) =>
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
    ]);
  return new Name([rdn(OID_CN, commonName), rdn(OID_O, organization)]);
}

function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

function fromPem(pem: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new RangeError('not a PEM certificate (no BEGIN/END CERTIFICATE block)');
  return new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/**
 * Issues a self-signed SM2 certificate (X.509 v3, SM2-with-SM3, default user ID).
 * Extensions: basicConstraints CA:false (critical), keyUsage digitalSignature + keyAgreement
 * (critical), extKeyUsage serverAuth + clientAuth.
 * @returns the certificate as PEM.
 * @throws RangeError for an invalid private key or an empty common name.
 */
export function issueSm2Certificate(options: Sm2CertificateOptions): string {
  if (options.commonName.length === 0) throw new RangeError('certificate common name is empty');
  const publicKey = sm2PublicKeyFromPrivate(options.privateKey);
  const subject = name(options.commonName, options.organization ?? 'FedGrid node');
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + (options.validDays ?? 3650) * 86_400_000);
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, no leading zero byte
  const sigAlg = new AlgorithmIdentifier({ algorithm: OID_SM2_WITH_SM3 });
  const ext = (extnID: string, critical: boolean, value: unknown) =>
    new Extension({
      extnID,
      critical,
      extnValue: new OctetString(AsnConvert.serialize(value)),
    });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serial.buffer.slice(serial.byteOffset, serial.byteOffset + serial.length),
    signature: sigAlg,
    issuer: subject,
    validity: new Validity({ notBefore, notAfter }),
    subject,
    subjectPublicKeyInfo: new SubjectPublicKeyInfo({
      algorithm: new AlgorithmIdentifier({
        algorithm: OID_EC_PUBLIC_KEY,
        parameters: AsnConvert.serialize(new ECParameters({ namedCurve: OID_SM2_CURVE })),
      }),
      subjectPublicKey: publicKey.slice().buffer,
    }),
    extensions: new Extensions([
      ext(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
      ext(
        id_ce_keyUsage,
        true,
        new KeyUsage(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyAgreement),
      ),
      ext(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth, id_kp_clientAuth])),
    ]),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = sm2Sign(options.privateKey, tbsDer, { publicKey, id: SM2_DEFAULT_USER_ID });
  const der = sm2SignatureToDer(signature);
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: sigAlg,
    signatureValue: der.slice().buffer,
  });
  return toPem(new Uint8Array(AsnConvert.serialize(cert)));
}

/** The parts of an SM2 certificate FedGrid uses. */
export interface Sm2CertificateInfo {
  /** Subject common name. */
  commonName: string;
  /** 65-byte uncompressed SM2 public key. */
  publicKey: Uint8Array;
  notBefore: Date;
  notAfter: Date;
}

/**
 * Parses a self-signed SM2 certificate and checks its signature (SM2-with-SM3, default user ID)
 * against its own public key.
 * @throws RangeError naming what is wrong: not a certificate, not SM2-with-SM3, a key that is
 *   not on sm2p256v1, or a signature that does not verify.
 */
export function readSm2Certificate(pem: string): Sm2CertificateInfo {
  let cert: Certificate;
  try {
    cert = AsnConvert.parse(fromPem(pem), Certificate);
  } catch (err) {
    throw new RangeError(`not a DER X.509 certificate: ${(err as Error).message}`);
  }
  const tbs = cert.tbsCertificate;
  if (cert.signatureAlgorithm.algorithm !== OID_SM2_WITH_SM3) {
    throw new RangeError(
      `certificate is signed with ${cert.signatureAlgorithm.algorithm}, not SM2-with-SM3 (${OID_SM2_WITH_SM3})`,
    );
  }
  const spki = tbs.subjectPublicKeyInfo;
  const curve = spki.algorithm.parameters
    ? (AsnConvert.parse(spki.algorithm.parameters, ECParameters).namedCurve ?? '')
    : '';
  if (spki.algorithm.algorithm !== OID_EC_PUBLIC_KEY || curve !== OID_SM2_CURVE) {
    throw new RangeError(`certificate key is not an SM2 key (curve ${curve || 'none'})`);
  }
  const publicKey = new Uint8Array(spki.subjectPublicKey);
  let signature: Uint8Array;
  try {
    signature = sm2SignatureFromDer(new Uint8Array(cert.signatureValue));
  } catch {
    throw new RangeError('certificate signature is not a DER SM2Signature');
  }
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  if (!sm2Verify(publicKey, tbsDer, signature, { id: SM2_DEFAULT_USER_ID })) {
    throw new RangeError('certificate SM2 signature does not verify (altered or not self-signed)');
  }
  const cnAttr = tbs.subject
    .flatMap((rdn) => [...rdn])
    .find((a: AttributeTypeAndValue) => a.type === OID_CN);
  return {
    commonName: cnAttr ? cnAttr.value.toString() : '',
    publicKey,
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
  };
}
