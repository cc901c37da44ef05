// What the SAML code passes around: the IdP as its metadata says, our SP as a pool presents it, and
// the verified result of a Response. Certificates and keys are PEM strings.

export interface IdpMetadata {
  entityId: string;
  /** SingleSignOnService with the HTTP-Redirect binding. */
  ssoRedirectUrl: string;
  /** SingleLogoutService with the HTTP-Redirect binding, if the IdP has one. */
  sloRedirectUrl: string | null;
  /** Every signing certificate listed (rollover: any of them may sign). */
  signingCerts: string[];
  wantAuthnRequestsSigned: boolean;
}

export interface SpKeyPair {
  /** PKCS#8 PEM. */
  privateKey: string;
  /** X.509 PEM. */
  certificate: string;
}

export interface SpConfig {
  /** ISS, or the pool's SpEntityId (e.g. urn:amazon:cognito:sp:<poolId>). */
  entityId: string;
  /** ISS/saml2/idpresponse */
  acsUrl: string;
  /** ISS/saml2/logout */
  sloUrl: string;
  signing: SpKeyPair;
  /** The current encryption key first; during a rotation the previous one still decrypts. */
  encryption: SpKeyPair[];
}

/** A Response that passed every check. */
export interface SamlAssertion {
  issuer: string;
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string | null;
  assertionId: string;
  /** When the assertion stops being valid (for the replay memory). */
  notOnOrAfter: number;
  inResponseTo: string | null;
  /** Attribute name → values, read only from signed content. */
  attributes: Record<string, string[]>;
}

export class SamlError extends Error {
  constructor(
    /** `config`: our or the IdP's settings are wrong; `invalid`: a message failed a check. */
    readonly kind: 'config' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'SamlError';
  }
}

/** Signed by no signing key the IdP's metadata lists: it may have rolled over (fetch its metadata again, once). */
export class SamlUnknownKeyError extends SamlError {
  constructor(message: string) {
    super('invalid', message);
    this.name = 'SamlUnknownKeyError';
  }
}
