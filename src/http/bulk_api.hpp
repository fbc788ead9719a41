#pragma once

#include <boost/json/object.hpp>

#include "http/router.hpp"
#include "http/worker_pool.hpp"
#include "lifecycle/bulk_export.hpp"

namespace vigie::http {

// FHIR Bulk Data Access 2.0 $export (HL7 Bulk Data IG v2.0.0), asynchronous request pattern:
// - kick-off: GET or POST /fhir/$export, /fhir/Patient/$export, /fhir/Group/{id}/$export with
//   `Prefer: respond-async` and `Accept: application/fhir+json` (400 otherwise), the parameters
//   of lifecycle::parse_export_parameters (the query of a GET, a Parameters body of a POST);
//   gate::Gate::admit_export decides, then the job takes a slot of `jobs` (none free: 429 with
//   Retry-After) and runs on `runner`'s threads (gate::Gate::run_export); 202 with
//   Content-Location, the status URL.
// - status: GET /fhir/$export-status/{job}: 202 with X-Progress and Retry-After while it runs,
//   429 when polled sooner than Retry-After, 200 with the manifest when done, 500 with an
//   OperationOutcome when it failed; DELETE: 202, then 404 (the files are deleted).
// - files: GET /fhir/$export-file/{job}/{file}: application/fhir+ndjson, for the job's owner
//   (gate::Gate::export_job).
// Status and files are the job owner's only: another account gets 404, audited. `jobs` and
// `runner` must outlive the router; `runner`'s queue must hold jobs.settings().max_jobs.
struct BulkExport {
  lifecycle::ExportJobs& jobs;
  WorkerPool& runner;
};
void add_bulk_export_routes(Router& router, const BulkExport& bulk);

// Adds the Bulk Data operations to a CapabilityStatement (capability_statement's): `instantiates`
// the Bulk Data CapabilityStatement, and the export operations at system, Patient and Group level.
void declare_bulk_export(boost::json::object& statement);

}  // namespace vigie::http
