// The identity provider types a pool can register (Cognito's ProviderType values).
export const SOCIAL_TYPES = ['Google', 'Facebook', 'LoginWithAmazon', 'SignInWithApple'] as const;
export const PROVIDER_TYPES = [...SOCIAL_TYPES, 'OIDC', 'SAML'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];
