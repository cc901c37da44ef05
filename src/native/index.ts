// Native username/password accounts for the HTTP layer: sign-up, confirmation codes, sign-in with lockout,
// password reset and change; argon2id storage and the password policy; Cognito's exceptions.
export { Accounts, MAX_CODE_REQUESTS_PER_HOUR, type CodeDeliveryDetails, type SignInContext } from './accounts.js';
export * from './errors.js';
export { hashPassword, verifyPassword, verifyDummy, normalizePassword, PASSWORD_HASH_OPTIONS } from './passwords.js';
export { checkPassword, MAX_PASSWORD_LENGTH, type PasswordPolicy } from './policy.js';
