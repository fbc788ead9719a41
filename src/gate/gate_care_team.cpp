#include "gate/gate.hpp"

#include <set>

#include "fhir/identifiers.hpp"
#include "fhir/search_index.hpp"
#include "gate/audited_call.hpp"

namespace vigie::gate {

namespace json = boost::json;

Result<Gate::CareTeamMembers> Gate::care_team_members(const json::object& care_team) {
  CareTeamMembers members;
  const std::optional<std::string> patient = fhir::patient_compartment_of(care_team);
  const json::value* participants = care_team.if_contains("participant");
  if (!patient || participants == nullptr || !participants->is_array()) {
    return members;
  }
  members.patient_id = *patient;
  std::set<std::string> rpps_numbers;
  for (const json::value& participant : participants->as_array()) {
    const json::value* member =
        participant.is_object() ? participant.as_object().if_contains("member") : nullptr;
    if (member == nullptr || !member->is_object()) {
      continue;
    }
    // The member's own identifier, never the Practitioner resource it may also reference: any
    // practitioner or assistant may edit that resource, and adding one's RPPS number to a
    // colleague's would gain their patients.
    const json::value* identifier = member->as_object().if_contains("identifier");
    if (identifier != nullptr && identifier->is_object() &&
        text_field(identifier->as_object(), "system") == fhir::kRppsSystem) {
      rpps_numbers.insert(text_field(identifier->as_object(), "value"));
    }
  }
  if (rpps_numbers.empty()) {
    return members;
  }
  auto accounts = accounts_->accounts();
  if (!accounts) {
    return tl::unexpected(accounts.error());
  }
  for (const store::AccountRow& account : *accounts) {
    if (!account.rpps.empty() && rpps_numbers.contains(account.rpps) &&
        account.role == access::name_of(access::Role::kPractitioner)) {
      members.logins.push_back(account.login);
    }
  }
  return members;
}

Result<void> Gate::replace_care_team_assignments(store::DataStore& tx,
                                                 const std::string& care_team_id,
                                                 const CareTeamMembers& members) const {
  const std::string source = "CareTeam/" + care_team_id;
  if (auto removed = tx.remove_assignments_from(source); !removed) {
    return tl::unexpected(removed.error());
  }
  for (const std::string& login : members.logins) {
    auto added =
        tx.add_assignment(store::AssignmentRow{login, members.patient_id, source, clock_.now_ms()});
    if (!added) {
      return tl::unexpected(added.error());
    }
  }
  return {};
}

}  // namespace vigie::gate
