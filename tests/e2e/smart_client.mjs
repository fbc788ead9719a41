// A SMART Backend Services client's side of the token exchange (SMART App Launch 2,
// client-confidential-asymmetric): discovery, its own ES384 client assertion signed with npm
// `jose`, and the client_credentials request.
import { importJWK, SignJWT } from 'jose';
import { readFileSync } from 'node:fs';

// The client of CLIENT_ID whose private JWK is in PRIVATE_FILE, and the server's SMART
// configuration (ORIGIN/.well-known/smart-configuration). Throws when discovery fails.
export async function loadClient(origin, privateFile, clientId) {
  const privateJwk = JSON.parse(readFileSync(privateFile, 'utf8'));
  const key = await importJWK(privateJwk, 'ES384');
  const discovery = await fetch(`${origin}/.well-known/smart-configuration`);
  if (discovery.status !== 200) {
    throw new Error(`smart-configuration: ${discovery.status}`);
  }
  const configuration = await discovery.json();
  return { key, kid: privateJwk.kid, clientId, configuration, tokenUrl: configuration.token_endpoint };
}

// A client assertion (RFC 7523) for the token endpoint, valid 4 minutes, identified by `jti`.
export async function assertion(client, jti) {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES384', kid: client.kid, typ: 'JWT' })
    .setIssuer(client.clientId)
    .setSubject(client.clientId)
    .setAudience(client.tokenUrl)
    .setExpirationTime('4m')
    .setJti(jti)
    .sign(client.key);
}

// The token endpoint's answer to a client_credentials request with `signed` for `scope`.
export async function requestToken(client, signed, scope) {
  const response = await fetch(client.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: signed,
    }),
  });
  return { status: response.status, body: await response.json() };
}
