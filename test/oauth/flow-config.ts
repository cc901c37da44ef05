// The pool the OAuth and hosted-UI flow tests run against.
export const POOL = 'local_Flow1';
export const SPA_CB = 'http://127.0.0.1:5555/cb';
export const WEB_CB = 'http://127.0.0.1:5556/cb';
export const WEB_SECRET = 'web-client-secret-for-tests-0123';

export const FLOW_CONFIG = `
pools:
  - Id: ${POOL}
    PoolName: Flow test pool
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    Schema: [{ Name: email, Required: true }, { Name: department }]
    ResourceServers:
      - { Identifier: api, Name: Test API, Scopes: [{ ScopeName: read, ScopeDescription: Read }, { ScopeName: write, ScopeDescription: Write }] }
    Clients:
      - ClientId: spa
        CallbackURLs: ["${SPA_CB}"]
        LogoutURLs: ["http://127.0.0.1:5555/bye"]
        AllowedOAuthScopes: [openid, email, profile]
        ExplicitAuthFlows: [ALLOW_REFRESH_TOKEN_AUTH]
      - ClientId: web
        ClientSecret: ${WEB_SECRET}
        CallbackURLs: ["${WEB_CB}"]
        AllowedOAuthScopes: [openid, email, phone, profile]
        ExplicitAuthFlows: [ALLOW_REFRESH_TOKEN_AUTH]
        RefreshTokenRotation: { Feature: ENABLED }
        IdTokenValidity: 10
        TokenValidityUnits: { IdToken: minutes }
      - ClientId: other
        CallbackURLs: ["http://127.0.0.1:5557/cb"]
        ExplicitAuthFlows: [ALLOW_REFRESH_TOKEN_AUTH]
      - ClientId: svc
        ClientSecret: svc-client-secret-for-tests-0123
        AllowedOAuthFlows: [client_credentials]
        AllowedOAuthScopes: [api/read, api/write]
`;
