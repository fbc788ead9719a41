// A FHIR Bulk Data Access 2.0 client (HL7 Bulk Data IG v2.0.0) against `vigie serve`: a SMART
// backend client gets a token with its own private_key_jwt assertion (smart_client.mjs, npm
// `jose`), kicks off a system-level $export, then a Group's, and for each polls the status URL
// honouring Retry-After, downloads every file of the manifest (and every attachment a
// DocumentReference refers to by url), checks that each line is a valid R4 resource of the file's
// type and that the counts match the manifest, that another client's token is refused a file
// (403), then DELETEs the job and checks that its status is gone. The Group (two patients, made
// through the API) must export exactly its two patients and only their compartments' resources.
//   node bulk_export.mjs ORIGIN PRIVATE_JWK CLIENT_ID WRITER_TOKEN
// WRITER_TOKEN (an API token that may create) first files a DocumentReference with an inline
// attachment for one patient, so that the export has an attachment to hand out by url, and the
// Group of that patient and another. Exits 1 on any failure. The server's certificate is trusted
// through NODE_EXTRA_CA_CERTS.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import { validator } from './r4_schema.mjs';
import { assertion, loadClient, requestToken } from './smart_client.mjs';

const [origin, privateFile, clientId, writerToken] = process.argv.slice(2);
if (!origin || !privateFile || !clientId || !writerToken) {
  console.error('usage: node bulk_export.mjs ORIGIN PRIVATE_JWK CLIENT_ID WRITER_TOKEN');
  process.exit(2);
}

function fail(message) {
  console.error(`bulk export: ${message}`);
  process.exit(1);
}

// A report whose content travels inline, as base64 `data`.
const report = Buffer.from('Compte rendu e2e : résultats normaux.\n', 'utf8');
const writer = { Authorization: `Bearer ${writerToken}`, Accept: 'application/fhir+json' };
const groupMembers = [];
{
  const search = await fetch(`${origin}/fhir/Patient?_count=2`, { headers: writer });
  groupMembers.push(...((await search.json()).entry ?? []).map((entry) => entry.resource.id));
  const patientId = groupMembers[0];
  const created = await fetch(`${origin}/fhir/DocumentReference`, {
    method: 'POST',
    headers: { ...writer, 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify({
      resourceType: 'DocumentReference',
      status: 'current',
      subject: { reference: `Patient/${patientId}` },
      content: [{ attachment: { contentType: 'text/plain', data: report.toString('base64') } }],
    }),
  });
  if (!patientId || created.status !== 201) {
    fail(`a DocumentReference to export: ${created.status} ${await created.text()}`);
  }
}
if (groupMembers.length !== 2) {
  fail(`${groupMembers.length} patients for the Group, 2 needed`);
}
const group = await fetch(`${origin}/fhir/Group`, {
  method: 'POST',
  headers: { ...writer, 'Content-Type': 'application/fhir+json' },
  body: JSON.stringify({
    resourceType: 'Group',
    type: 'person',
    actual: true,
    name: 'Patients e2e',
    member: groupMembers.map((id) => ({ entity: { reference: `Patient/${id}` } })),
  }),
});
const groupId = group.status === 201 ? (await group.json()).id : undefined;
if (!groupId) {
  fail(`a Group to export: ${group.status} ${await group.text()}`);
}

const client = await loadClient(origin, privateFile, clientId).catch((error) => fail(error.message));
const scope = 'system/*.rs';
const issued = await requestToken(client, await assertion(client, randomUUID()), scope);
if (issued.status !== 200 || !issued.body.access_token) {
  fail(`token: ${issued.status} ${JSON.stringify(issued.body)}`);
}
const bearer = { Authorization: `Bearer ${issued.body.access_token}` };

const failures = [];

// Exports `path` (a kick-off route), checks every file, then deletes the job.
async function exportAndCheck(path) {
  const kickOff = await fetch(`${origin}${path}`, {
    headers: { ...bearer, Accept: 'application/fhir+json', Prefer: 'respond-async' },
  });
  if (kickOff.status !== 202) {
    fail(`kick-off: ${kickOff.status} ${await kickOff.text()}`);
  }
  const statusUrl = kickOff.headers.get('content-location');
  if (!statusUrl?.startsWith(`${origin}/fhir/`)) {
    fail(`kick-off: Content-Location ${statusUrl}`);
  }

  // Seconds to wait as a Retry-After header says (delay-seconds; an HTTP date is not expected).
  function retryAfterMs(response) {
    const seconds = Number(response.headers.get('retry-after'));
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 120) {
      fail(`status: Retry-After ${response.headers.get('retry-after')}`);
    }
    return seconds * 1000;
  }

  let manifest;
  let polls = 0;
  for (;;) {
    if (++polls > 100) {
      fail('status: still running after 100 polls');
    }
    const status = await fetch(statusUrl, { headers: { ...bearer, Accept: 'application/json' } });
    if (status.status === 200) {
      manifest = await status.json();
      if (!status.headers.get('expires')) {
        fail('status: a complete status without Expires');
      }
      break;
    }
    if (status.status !== 202 && status.status !== 429) {
      fail(`status: ${status.status} ${await status.text()}`);
    }
    if (status.status === 202 && !status.headers.get('x-progress')) {
      fail('status: in progress without X-Progress');
    }
    await status.arrayBuffer();
    await delay(retryAfterMs(status));
  }

  if (manifest.requiresAccessToken !== true || typeof manifest.transactionTime !== 'string' ||
      manifest.request !== `${origin}${path}` || !Array.isArray(manifest.output) ||
      !Array.isArray(manifest.error) || manifest.output.length === 0) {
    fail(`manifest: ${JSON.stringify(manifest)}`);
  }

  const counts = {};
  const references = new Set();
  let attachments = 0;
  for (const item of [...manifest.output, ...manifest.error]) {
    const file = await fetch(item.url, { headers: { ...bearer, Accept: 'application/fhir+ndjson' } });
    const body = await file.text();
    if (file.status !== 200 || file.headers.get('content-type') !== 'application/fhir+ndjson') {
      failures.push(`${item.type} file: ${file.status} ${file.headers.get('content-type')}`);
      continue;
    }
    const lines = body.split('\n').filter((line) => line.length > 0);
    if (!body.endsWith('\n') || lines.length !== item.count) {
      failures.push(`${item.type} file: ${lines.length} lines, the manifest says ${item.count}`);
    }
    counts[item.type] = (counts[item.type] ?? 0) + lines.length;
    for (const [index, line] of lines.entries()) {
      let resource;
      try {
        resource = JSON.parse(line);
      } catch {
        failures.push(`${item.type} line ${index + 1}: not JSON`);
        continue;
      }
      if (resource.resourceType !== item.type || !resource.id && item.type !== 'OperationOutcome') {
        failures.push(`${item.type} line ${index + 1}: a ${resource.resourceType} without its id`);
      }
      for (const reference of JSON.stringify(resource).matchAll(/"reference":"Patient\/([^"]+)"/g)) {
        references.add(reference[1]);
      }
      if (resource.resourceType === 'Patient') {
        references.add(resource.id);
      }
      const errors = validator.validate(resource);
      if (errors.length > 0) {
        failures.push(`${item.type} line ${index + 1}: ${JSON.stringify(errors.slice(0, 2))}`);
      }
      for (const content of resource.resourceType === 'DocumentReference' ? resource.content : []) {
        const url = content.attachment?.url;
        if (url?.startsWith(`${origin}/fhir/$export-file/`)) {
          const attachment = await fetch(url, { headers: bearer });
          const bytes = Buffer.from(await attachment.arrayBuffer());
          if (attachment.status !== 200 || !bytes.equals(report) ||
              attachment.headers.get('content-type') !== content.attachment.contentType ||
              content.attachment.data !== undefined) {
            failures.push(`attachment ${url}: ${attachment.status}, ${bytes.length} bytes`);
          }
          attachments += 1;
        }
      }
    }
  }
  if (!(counts.Patient > 0) || attachments !== 1) {
    failures.push(`${path}: ${counts.Patient} Patients and ${attachments} attachments exported`);
  }

  // Another client's token (the writer's account) is refused the file.
  const stranger = await fetch(manifest.output[0].url, { headers: writer });
  if (stranger.status !== 403) {
    failures.push(`${path}: a file with another client's token: ${stranger.status}`);
  }
  await stranger.arrayBuffer();

  const deleted = await fetch(statusUrl, { method: 'DELETE', headers: bearer });
  if (deleted.status !== 202) {
    failures.push(`DELETE: ${deleted.status}`);
  }
  await deleted.arrayBuffer();
  const gone = await fetch(statusUrl, { headers: bearer });
  if (gone.status !== 404) {
    failures.push(`status after DELETE: ${gone.status}`);
  }
  const file = await fetch(manifest.output[0].url, { headers: bearer });
  if (file.status !== 404) {
    failures.push(`a file after DELETE: ${file.status}`);
  }
  return { counts, references, attachments, files: manifest.output.length, polls };
}

const system = await exportAndCheck('/fhir/$export');
const grouped = await exportAndCheck(`/fhir/Group/${groupId}/$export`);
const outsiders = [...grouped.references].filter((id) => !groupMembers.includes(id));
if (grouped.counts.Patient !== 2 || outsiders.length > 0) {
  failures.push(`Group export: ${grouped.counts.Patient} Patients, outside the Group: ${outsiders}`);
}

if (failures.length > 0) {
  fail(`${failures.length} failures:\n${failures.slice(0, 20).join('\n')}`);
}
for (const [name, run] of [['system', system], ['Group', grouped]]) {
  const total = Object.values(run.counts).reduce((sum, count) => sum + count, 0);
  console.log(
    `bulk export (${name}): ${run.files} files, ${total} lines valid R4 (${
      Object.entries(run.counts).map(([type, count]) => `${type} ${count}`).join(', ')}), ` +
    `${run.attachments} attachments, ${run.polls} status polls, job deleted`);
}
