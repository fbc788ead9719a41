// A SMART Backend Services client (SMART App Launch 2, client-confidential-asymmetric) that signs
// its own ES384 client assertions with npm `jose`, as a lab interface would.
//   node backend.mjs keygen PRIVATE_JWK_OUT PUBLIC_JWKS_OUT
//     makes an EC P-384 key pair: the private JWK for this script, the public JWKS for
//     `vigie client add`.
//   node backend.mjs token ORIGIN PRIVATE_JWK CLIENT_ID
//     discovers the token endpoint in ORIGIN/.well-known/smart-configuration, gets a token for
//     system/Patient.rs, reads a page of Patients with it, and checks that replaying the same
//     assertion is refused (401 invalid_client). Exits 1 on any failure.
// The server's certificate is trusted through NODE_EXTRA_CA_CERTS (set by tests/e2e/run).
import {exportJWK, generateKeyPair} from 'jose';
import {randomUUID} from 'node:crypto';
import {writeFileSync} from 'node:fs';

import {assertion, loadClient, requestToken} from './smart_client.mjs';

const [mode, ...args] = process.argv.slice(2);

function fail(message) {
  console.error(`backend: ${message}`);
  process.exit(1);
}

if (mode === 'keygen') {
  const [privateOut, publicOut] = args;
  const {publicKey, privateKey} = await generateKeyPair('ES384', {extractable: true});
  const kid = `e2e-${randomUUID()}`;
  const privateJwk = {...(await exportJWK(privateKey)), kid, alg: 'ES384'};
  const publicJwk = {...(await exportJWK(publicKey)), kid, alg: 'ES384', use: 'sig'};
  writeFileSync(privateOut, JSON.stringify(privateJwk), {mode: 0o600});
  writeFileSync(publicOut, JSON.stringify({keys: [publicJwk]}));
  process.exit(0);
}

if (mode !== 'token') {
  fail(
      'usage: node backend.mjs keygen PRIVATE_JWK PUBLIC_JWKS | token ORIGIN PRIVATE_JWK CLIENT_ID');
}
const [origin, privateFile, clientId] = args;
let client;
try {
  client = await loadClient(origin, privateFile, clientId);
} catch (error) {
  fail(error.message);
}
const configuration = client.configuration;
for (const [field, value] of [
  ['token_endpoint_auth_methods_supported', 'private_key_jwt'],
  ['token_endpoint_auth_signing_alg_values_supported', 'ES384'],
  ['grant_types_supported', 'client_credentials'],
  ['capabilities', 'client-confidential-asymmetric'],
]) {
  if (!configuration[field]?.includes(value)) {
    fail(`smart-configuration: ${field} lacks ${value}`);
  }
}

const signed = await assertion(client, randomUUID());
const issued = await requestToken(client, signed, 'system/Patient.rs');
if (issued.status !== 200 || issued.body.token_type !== 'bearer' || !issued.body.access_token) {
  fail(`token: ${issued.status} ${JSON.stringify(issued.body)}`);
}
if (!(issued.body.expires_in > 0 && issued.body.expires_in <= 300) ||
    'refresh_token' in issued.body) {
  fail(`token: expires_in ${issued.body.expires_in}, or a refresh token`);
}
if (issued.body.scope !== 'system/Patient.rs') {
  fail(`token: scope ${issued.body.scope}`);
}

const read = await fetch(`${origin}/fhir/Patient?_count=2`, {
  headers: {Authorization: `Bearer ${issued.body.access_token}`, Accept: 'application/fhir+json'},
});
const bundle = await read.json();
if (read.status !== 200 || bundle.resourceType !== 'Bundle' || !(bundle.total > 0)) {
  fail(`read with the token: ${read.status} total ${bundle.total}`);
}
// Its scope is Patient only.
const other = await fetch(`${origin}/fhir/Observation?_count=1`, {
  headers: {Authorization: `Bearer ${issued.body.access_token}`},
});
if (other.status !== 403) {
  fail(`an Observation search with a Patient token: ${other.status}`);
}

const replayed = await requestToken(client, signed, 'system/Patient.rs');
if (replayed.status !== 401 || replayed.body.error !== 'invalid_client') {
  fail(`replayed assertion: ${replayed.status} ${JSON.stringify(replayed.body)}`);
}
console.log(
    `backend: token for ${clientId} (${issued.body.scope}, ${issued.body.expires_in} s), ` +
    `${bundle.total} patients readable, replay refused`);
