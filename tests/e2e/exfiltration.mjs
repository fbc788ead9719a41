// A scripted exfiltration through `vigie serve`, and the alert it raises delivered to a webhook
// receiver this script runs on loopback (Node's own HTTPS server, the vault's certificate).
//   node exfiltration.mjs BASE READER_TOKEN SPY_TOKEN THRESHOLD HOOK_PORT SECRET_FILE CERT KEY
// READER_TOKEN lists patients; SPY_TOKEN belongs to a service client whose [watch.bulk_read]
// threshold is THRESHOLD distinct patients. The spy reads patients one by one: the first THRESHOLD
// reads answer 200, the crossing one and every later one 401 (the account is locked). The server
// then POSTs the bulk-read alert to https://localhost:HOOK_PORT/alerts with X-Vigie-Signature, the
// HMAC-SHA256 of the body under SECRET_FILE's bytes: checked here with node:crypto. Exits 1 on any
// failure.
import {createHmac, timingSafeEqual} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {createServer} from 'node:https';

const [base, readerToken, spyToken, thresholdText, hookPort, secretFile, cert, key] =
    process.argv.slice(2);
const threshold = Number(thresholdText);

function fail(message) {
  console.error(`exfiltration: ${message}`);
  process.exit(1);
}

async function get(path, token) {
  const response = await fetch(`${base}${path}`, {
    headers: {authorization: `Bearer ${token}`, accept: 'application/fhir+json'},
  });
  return {status: response.status, body: await response.text()};
}

// The receiver first: the alert may be delivered as soon as the account is locked. Every alert
// POSTed is kept; the export alerts of the bulk_export.mjs run before this one were raised while
// nothing listened here, so they arrive too, late: delivered once the receiver is up.
const hooks = [];
let server;
const bothKinds = new Promise((resolve, reject) => {
  server = createServer({cert: readFileSync(cert), key: readFileSync(key)}, (request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      response.writeHead(204).end();
      const hook = {path: request.url, headers: request.headers, body: Buffer.concat(chunks)};
      hooks.push(hook);
      const kinds = hooks.map((each) => JSON.parse(each.body.toString('utf8')).kind);
      if (kinds.includes('bulk-read') && kinds.includes('export')) {
        resolve(hooks[kinds.indexOf('bulk-read')]);
      }
    });
  });
  server.on('error', reject);
  server.listen(Number(hookPort), '127.0.0.1');
});

const listed = await get(`/fhir/Patient?_count=${threshold + 3}`, readerToken);
if (listed.status !== 200) fail(`listing patients answered ${listed.status}`);
const ids = (JSON.parse(listed.body).entry ?? []).map((entry) => entry.resource.id);
if (ids.length < threshold + 2) fail(`${ids.length} patients, ${threshold + 2} needed`);

const statuses = [];
for (const id of ids) {
  const read = await get(`/fhir/Patient/${id}`, spyToken);
  statuses.push(read.status);
  if (read.status !== 200 && read.body.includes(id)) fail(`a refused read names Patient/${id}`);
}
const expected = ids.map((_, index) => (index < threshold ? 200 : 401));
if (JSON.stringify(statuses) !== JSON.stringify(expected)) {
  fail(`statuses ${statuses.join(',')}, expected ${expected.join(',')}`);
}

const timeout = new Promise((_, reject) =>
  setTimeout(() => reject(new Error('no bulk-read and export alerts within 30 s')), 30_000).unref());
const hook = await Promise.race([bothKinds, timeout]).catch((error) => fail(error.message));
server.close();
for (const each of hooks) {
  if (each.path !== '/alerts') fail(`an alert was posted to ${each.path}`);
  const expectedSignature =
      'sha256=' + createHmac('sha256', readFileSync(secretFile)).update(each.body).digest('hex');
  const signature = String(each.headers['x-vigie-signature'] ?? '');
  if (signature.length !== expectedSignature.length ||
      !timingSafeEqual(Buffer.from(signature), Buffer.from(expectedSignature))) {
    fail('an alert\'s signature does not match the shared secret');
  }
  const posted = JSON.parse(each.body.toString('utf8'));
  if (each.headers['x-vigie-alert'] !== String(posted.id)) fail(`X-Vigie-Alert of ${each.body}`);
}
const alert = JSON.parse(hook.body.toString('utf8'));
if (alert.account !== 'espion.e2e' || !alert.account_locked) {
  fail(`unexpected alert ${hook.body}`);
}
for (const id of ids) {
  if (hook.body.includes(id)) fail(`the alert names Patient/${id}`);
}
const late = hooks.filter((each) => JSON.parse(each.body.toString('utf8')).kind === 'export');
if (late.length === 0) fail('the export alerts raised while the receiver was down never came');
console.log(`exfiltration: stopped after ${threshold} reads; alert #${alert.id} (${alert.kind}, ` +
            `${alert.account}) delivered to the webhook; ${late.length} export alerts raised ` +
            `while it was down delivered after it came up; ${hooks.length} signatures checked`);
