#pragma once

#include "cli/command.hpp"

// `vigie audit verify`, `vigie audit log` and `vigie incident report`.

namespace vigie::cli {

// Prints the number of entries verified (exit 0), or the first sequence number where the chain
// breaks and why (exit 6).
[[nodiscard]] int run_audit_verify(const Options& options);

// Prints the entries matching the filters as a table, a JSON array or NDJSON.
[[nodiscard]] int run_audit_log(const Options& options);

// Prints the incident report (Markdown or JSON), or writes it with the CNIL draft and one letter
// per patient into the directory --out.
[[nodiscard]] int run_incident_report(const Options& options);

}  // namespace vigie::cli
