#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "common/error.hpp"
#include "fhir/search.hpp"

namespace vigie::fhir {

enum class BundleKind { kTransaction, kBatch, kCollection };

enum class EntryAction {
  kCreate,  // POST (or a collection entry without id): the vault assigns `id`
  kUpdate,  // PUT Type/id (or a collection entry with an id): update, or create with that id
  kDelete,  // DELETE Type/id
  kKeep,    // POST with ifNoneExist that matched one resource: nothing is written, `id` is its id
};

struct PlannedEntry {
  size_t index = 0;  // position in Bundle.entry, for messages
  EntryAction action = EntryAction::kCreate;
  std::string type;
  std::string id;                // for kCreate: the id assigned by new_id
  boost::json::object resource;  // validated, references rewritten, id set; empty for kDelete
  std::optional<Error> error;    // batch only: this entry failed and must be reported, not run
  // An update's If-Match: written only while the resource's current version is this one.
  std::optional<int64_t> if_match_version;
};

struct BundlePlan {
  BundleKind kind = BundleKind::kTransaction;
  std::vector<PlannedEntry> entries;
};

// The ids of the current resources that a conditional create's query matches. Two ids are
// enough to tell 0, 1 and "more than one" apart.
using ConditionalMatcher =
    std::function<Result<std::vector<std::string>>(const SearchQuery& query)>;

// The search a conditional create runs (FHIR R4 3.1.0.8), on `type`: `query_text` is an HTTP
// If-None-Exist header or a Bundle entry's request.ifNoneExist, NAME=VALUE pairs joined by "&"
// with percent escapes, an optional leading "?", parsed by parse_search. It asks for 2 matches
// from the first: enough to tell none, one and several apart. kInvalidInput when it does not
// parse (the message names the rule, or parse_search's reason).
[[nodiscard]] Result<SearchQuery> parse_if_none_exist(std::string_view type,
                                                      std::string_view query_text);

// Checks and prepares a Bundle for import, without touching storage:
// - type is transaction, batch or collection (anything else: kInvalidInput);
// - every entry has a resource (except DELETE) that passes validate_resource, and a request whose
//   method is POST, PUT or DELETE with a url matching the resource (transaction and batch);
// - fullUrls are unique; each `urn:uuid:` fullUrl of a created entry maps to "Type/NEWID" where
//   NEWID comes from `new_id()`; every `reference` string anywhere in any entry that names such a
//   urn:uuid is rewritten, and one that names a urn:uuid that no entry defines is an error.
// - a POST's request.ifNoneExist (a search query such as "identifier=system|value", see
//   parse_search) makes it a conditional create (FHIR R4 3.1.0.8): `find_matches` runs the query;
//   no match creates, one match writes nothing (kKeep: the entry's id, and every urn:uuid naming
//   it, become the match's), more than one is kPreconditionFailed (412, as FHIR says). Without
//   `find_matches` the query is only checked and the entry stays a create.
// For transaction and collection the first error fails the whole plan (kInvalidInput, message
// naming the entry index and type). For batch, entry-level errors are stored in
// PlannedEntry::error and the plan succeeds.
// The Bundle is taken by value: its resources are moved into the plan, not copied (a caller that
// keeps its Bundle passes a copy).
[[nodiscard]] Result<BundlePlan> plan_bundle(boost::json::object bundle,
                                             const std::function<std::string()>& new_id,
                                             const ConditionalMatcher& find_matches = {});

}  // namespace vigie::fhir
