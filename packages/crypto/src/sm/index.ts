export * from './sm3.js';
export * from './sm4.js';
export {
  bigToBytes,
  bytesToBig,
  decodeSm2Point,
  SM2_DEFAULT_USER_ID,
  SM2_P256,
  sm2CurveFromParams,
  sm2Za,
  type Sm2Curve,
  type Sm2Point,
} from './sm2-curve.js';
export {
  SM2_PRIVATE_KEY_BYTES,
  SM2_PUBLIC_KEY_BYTES,
  SM2_SIGNATURE_BYTES,
  sm2GenerateKeyPair,
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2SignatureFromDer,
  sm2SignatureToDer,
  sm2Verify,
  type Sm2KeyPair,
  type Sm2SignOptions,
} from './sm2-sign.js';
export * from './sm2-key-exchange.js';
export { SM2_ENCRYPT_OVERHEAD, sm2Decrypt, sm2Encrypt } from './sm2-encrypt.js';
export * from './sm2-certificate.js';
export * from './gm-envelope.js';
