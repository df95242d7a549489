// A real OpenID provider (the `oidc-provider` package) on loopback, for SIGIL's identity tests.
//
// Environment (or argv: node provider.mjs PORT):
//   OIDC_PORT       port to listen on, on 127.0.0.1 (required)
//   OIDC_RESOURCE   the MCP server's resource URI: the `aud` of the JWT access tokens (required)
//   OIDC_JWKS_FILE  a JSON file {"keys":[<private JWK>, ...]} used to sign (required); the
//                   tests write it, so they hold the private key and can restart with a new one
//   OIDC_EXIT_ON_STDIN_EOF  if set, exit when stdin closes (so a test process never leaks us)
//   OIDC_OTHER_RESOURCE  a second resource the provider also serves (default http://127.0.0.1/other),
//                        to get genuine tokens for another audience
//
// Issuer: http://127.0.0.1:PORT. Prints "ready <issuer>" on stdout once listening.
//
// Clients (client_secret_post, secret = "secret-" + id):
//   client-low, client-substantial, client-high   client credentials; access tokens carry the
//                                                 eIDAS acr of their name (and a 2-factor amr)
//   client-high-pwd                               client credentials; acr high but amr ["pwd"]
//   client-service                                client credentials; no acr, no amr
//   app                                           authorization code (secret "secret-app"),
//                                                 redirect_uri http://127.0.0.1/callback
//   opaque-low, opaque-high                       client credentials like client-low/-high, but
//                                                 their access tokens are opaque (introspection)
//   opaque-short                                  like opaque-high, tokens live 3 s
//   sigil-rs                                      the resource server's own credentials for RFC 7662
//                                                 introspection (client_secret_basic, no grants of use)
//   sigil-cli                                     public native client (no secret, PKCE S256
//                                                 required): authorization code on a loopback
//                                                 redirect http://127.0.0.1:<any port>/callback
//                                                 (RFC 8252); and the device authorization grant
//                                                 (RFC 8628): /device?user_code=... is confirmed
//                                                 by plain form posts (see tests); refresh tokens
//                                                 with `offline_access` (and prompt=consent)
//   sigil-cli-short                               like sigil-cli, but its ID tokens live 3 s
//
// Introspection (/token/introspection) and revocation (/token/revocation) are enabled.
//
// The authorization-code flow logs in without a form: GET /interaction/<uid> logs in the account
// named by `login_hint` (default "alice") at the acr given by `acr_values` (first value; none if
// absent), grants the requested scopes, and redirects back. A test drives it with plain HTTP
// requests (following redirects, carrying cookies) and gets a real ID token and access token.
//
// Scopes of the resources: bank:read bank:transfer. Access tokens: JWT, typ at+jwt, 300 s.

import http from 'node:http';
import { readFileSync } from 'node:fs';
import Provider, { errors } from 'oidc-provider';

const port = Number(process.env.OIDC_PORT ?? process.argv[2]);
const resource = process.env.OIDC_RESOURCE;
const otherResource = process.env.OIDC_OTHER_RESOURCE ?? 'http://127.0.0.1/other';
const jwksFile = process.env.OIDC_JWKS_FILE;
if (!Number.isInteger(port) || port <= 0 || !resource || !jwksFile) {
  console.error('usage: OIDC_PORT=.. OIDC_RESOURCE=.. OIDC_JWKS_FILE=.. node provider.mjs');
  process.exit(2);
}
const jwks = JSON.parse(readFileSync(jwksFile, 'utf8'));
const signingAlg = jwks.keys[0].alg ?? 'ES256';

const LOA = 'http://eidas.europa.eu/LoA/';
const SERVICE_CLAIMS = {
  'client-low': { acr: `${LOA}low`, amr: ['pwd', 'otp'] },
  'client-substantial': { acr: `${LOA}substantial`, amr: ['pwd', 'otp'] },
  'client-high': { acr: `${LOA}high`, amr: ['hwk', 'pin'] },
  'client-high-pwd': { acr: `${LOA}high`, amr: ['pwd'] },
  'client-service': {},
  'opaque-low': { acr: `${LOA}low`, amr: ['pwd', 'otp'] },
  'opaque-high': { acr: `${LOA}high`, amr: ['hwk', 'pin'] },
  'opaque-short': { acr: `${LOA}high`, amr: ['hwk', 'pin'] },
};
// Clients whose access tokens are opaque, and their lifetimes.
const OPAQUE_TTL = { 'opaque-low': 300, 'opaque-high': 300, 'opaque-short': 3 };
const SCOPES = 'bank:read bank:transfer';

const clients = [
  ...Object.keys(SERVICE_CLAIMS).map((id) => ({
    client_id: id,
    client_secret: `secret-${id}`,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: signingAlg,
    scope: SCOPES,
  })),
  {
    client_id: 'app',
    client_secret: 'secret-app',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: signingAlg,
    scope: `openid ${SCOPES}`,
  },
  {
    client_id: 'sigil-rs',
    client_secret: 'secret-sigil-rs',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: signingAlg,
  },
  ...['sigil-cli', 'sigil-cli-short'].map((id) => ({
    client_id: id,
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
    token_endpoint_auth_method: 'none',
    id_token_signed_response_alg: signingAlg,
    scope: `openid offline_access ${SCOPES}`,
  })),
];

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients,
  jwks,
  scopes: ['openid', 'offline_access', 'bank:read', 'bank:transfer'],
  // Without a list of supported values oidc-provider leaves `acr` out of ID tokens.
  acrValues: [`${LOA}low`, `${LOA}substantial`, `${LOA}high`],
  cookies: { keys: ['sigil-test-cookie-key-not-a-secret'] },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  // PKCE is required of public clients (sigil-cli) only; `app` keeps working without it.
  pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
  // Access tokens live as long as their resource server says (300 s, 3 s for opaque-short).
  ttl: {
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 300,
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 300,
    // sigil-cli-short: ID tokens that expire quickly, to test refreshing a stored login.
    IdToken: (_ctx, _token, client) => (client?.clientId === 'sigil-cli-short' ? 3 : 300),
    Interaction: 300,
    Session: 600,
    Grant: 600,
    AuthorizationCode: 60,
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    deviceFlow: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => resource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator, client) => {
        if (indicator !== resource && indicator !== otherResource) throw new errors.InvalidTarget();
        const opaqueTtl = OPAQUE_TTL[client?.clientId];
        if (opaqueTtl) {
          return { scope: SCOPES, audience: indicator, accessTokenTTL: opaqueTtl, accessTokenFormat: 'opaque' };
        }
        return {
          scope: SCOPES,
          audience: indicator,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: signingAlg } },
        };
      },
    },
  },
  extraTokenClaims: async (ctx, token) => {
    const code = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.DeviceCode;
    if (code) return { acr: code.acr, amr: code.amr };
    if (!token.accountId) return SERVICE_CLAIMS[token.clientId];
    return undefined;
  },
});

// Form-less login and consent for the authorization-code client.
async function autoLogin(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { params } = details;
  const accountId = params.login_hint || 'alice';
  const acr = params.acr_values ? String(params.acr_values).split(' ')[0] : undefined;
  const amr = acr ? ['pwd', 'otp'] : undefined;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  grant.addOIDCScope(String(params.scope ?? 'openid'));
  grant.addResourceScope(params.resource ?? resource, SCOPES);
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId, acr, amr }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    autoLogin(req, res).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
    return;
  }
  handle(req, res);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
// Exit when the parent closes our stdin (a test process that ends without killing us).
if (process.env.OIDC_EXIT_ON_STDIN_EOF) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
