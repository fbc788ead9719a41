// Replays FHIR transaction Bundles into a running `vigie serve` with fhir-kit-client, then reads
// every resource back, searches, and updates with If-Match; every response body is validated
// against the official R4 JSON schema. Exits 1 on any failure or schema error.
//   node replay.mjs BASE_URL TOKEN BUNDLE.json...
// The server's certificate is trusted through NODE_EXTRA_CA_CERTS (set by tests/e2e/run).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Client } from 'fhir-kit-client';
import { validator } from './r4_schema.mjs';

const [baseUrl, token, ...bundleFiles] = process.argv.slice(2);
if (!baseUrl || !token || bundleFiles.length === 0) {
  console.error('usage: node replay.mjs BASE_URL TOKEN BUNDLE.json...');
  process.exit(2);
}

const client = new Client({ baseUrl, bearerToken: token });
const failures = [];
let validated = 0;

// Every body the server sends is checked against the R4 schema.
function check(what, body) {
  const errors = validator.validate(body);
  validated += 1;
  if (errors.length > 0) {
    failures.push(`${what}: ${errors.length} schema errors: ${JSON.stringify(errors.slice(0, 3))}`);
  }
  return body;
}

function fail(what, error) {
  const status = error.response ? error.response.status : 'no response';
  failures.push(`${what}: ${status} ${error.message}`);
}

const statement = check('metadata', await client.capabilityStatement());
if (statement.resourceType !== 'CapabilityStatement') {
  failures.push('metadata: not a CapabilityStatement');
}

// 1. Every Bundle as a transaction; the response gives each resource's location.
const locations = [];
for (const file of bundleFiles) {
  const bundle = JSON.parse(readFileSync(file, 'utf8'));
  try {
    const response = check(`transaction ${basename(file)}`, await client.transaction({ body: bundle }));
    for (const entry of response.entry ?? []) {
      if (!entry.response.status.startsWith('20')) {
        failures.push(`transaction ${basename(file)}: entry ${entry.response.status}`);
      } else if (entry.response.location) {
        locations.push(entry.response.location);
      }
    }
  } catch (error) {
    fail(`transaction ${basename(file)}`, error);
  }
}

// 2. Every resource read back, and its version read.
let reads = 0;
for (const location of locations) {
  const [resourceType, id, , version] = location.split('/');
  try {
    const resource = check(`read ${resourceType}`, await client.read({ resourceType, id }));
    if (resource.id !== id || resource.resourceType !== resourceType) {
      failures.push(`read ${resourceType}: another resource came back`);
    }
    reads += 1;
    if (reads % 50 === 1) {
      check(`vread ${resourceType}`, await client.vread({ resourceType, id, version }));
    }
  } catch (error) {
    fail(`read ${resourceType}`, error);
  }
}

// 3. Searches: every Patient by _id, a type-wide search per type seen.
const types = [...new Set(locations.map((location) => location.split('/')[0]))];
let searched = 0;
for (const resourceType of types) {
  try {
    const page = check(`search ${resourceType}`,
      await client.search({ resourceType, searchParams: { _count: 20 } }));
    if (page.type !== 'searchset' || page.total < 1) {
      failures.push(`search ${resourceType}: ${page.total} matches`);
    }
    searched += 1;
  } catch (error) {
    fail(`search ${resourceType}`, error);
  }
}

// 4. Every Patient, page after page through the server's next links.
try {
  let page = check('search Patient', await client.search({ resourceType: 'Patient', searchParams: { _count: 10 } }));
  const total = page.total;
  let patients = 0;
  while (page) {
    patients += (page.entry ?? []).length;
    const next = client.nextPage({ bundle: page });
    page = next ? check('next page', await next) : undefined;
  }
  if (patients !== total) {
    failures.push(`paging: ${patients} patients over the pages, total ${total}`);
  }
} catch (error) {
  fail('paging', error);
}

// 5. Update with If-Match: the current version succeeds, a stale one is refused with 412.
const patientLocation = locations.find((location) => location.startsWith('Patient/'));
if (patientLocation) {
  const [, id] = patientLocation.split('/');
  const patient = await client.read({ resourceType: 'Patient', id });
  const version = patient.meta.versionId;
  const changed = { ...patient, active: !patient.active };
  try {
    const updated = check('update', await client.update({
      resourceType: 'Patient', id, body: changed,
      options: { headers: { 'If-Match': `W/"${version}"` } },
    }));
    if (updated.meta.versionId !== String(Number(version) + 1)) {
      failures.push(`update: version ${updated.meta.versionId} after ${version}`);
    }
  } catch (error) {
    fail('update with the current If-Match', error);
  }
  try {
    await client.update({
      resourceType: 'Patient', id, body: patient,
      options: { headers: { 'If-Match': `W/"${version}"` } },
    });
    failures.push('update with a stale If-Match was accepted');
  } catch (error) {
    if (!error.response || error.response.status !== 412) {
      fail('update with a stale If-Match', error);
    } else {
      check('412 OperationOutcome', error.response.data);
    }
  }
}

console.log(`e2e: ${bundleFiles.length} bundles, ${locations.length} resources written, ` +
  `${reads} read back, ${searched} types searched, ${validated} bodies validated against the R4 schema`);
if (failures.length > 0) {
  console.error(`e2e: ${failures.length} failures`);
  for (const failure of failures.slice(0, 30)) {
    console.error(`  ${failure}`);
  }
  process.exit(1);
}
