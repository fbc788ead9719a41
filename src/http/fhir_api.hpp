#pragma once

#include <string_view>

#include <boost/json/object.hpp>

#include "http/page_links.hpp"
#include "http/router.hpp"

namespace vigie::http {

// The FHIR R4 interface under /fhir, plus /healthz. Public: GET /healthz and GET /fhir/metadata
// only. Every other route needs a bearer credential and goes through one asynchronous audited
// gate call: read, vread, history of an instance and of a type, search (GET and POST _search),
// Patient/{id}/$everything, create (conditional with If-None-Exist), update, delete, and
// transaction or batch Bundles.
// A search, a type history and $everything answer at most _count entries (50 by default, 1000 at
// most) and link the next page with a token of `links`, which must outlive the router.
void add_fhir_routes(Router& router, const PageLinks& links);

// The CapabilityStatement of what `router` serves under /fhir: for each resource type the
// interactions its routes implement, and the search parameters fhir::parse_search accepts.
[[nodiscard]] boost::json::object capability_statement(const Router& router);

}  // namespace vigie::http
