#pragma once

// Private to gate/: included only by the gate's own .cpp files, never by an interface.
//
// The one shape of every public Gate call: decide, record, then act.
//   1. start_entry(): the call's audit entry exists before anything is looked at.
//   2. decide: identify() (auth/) and permit()/admit()/admit_reference() (access/) write the
//      actor and any denial's reason into the entry.
//   3. record and act, through exactly one of:
//      - refused(): the call ended before acting; its entry is recorded, the error returned.
//      - released(): a read acts in memory, then its entry is made durable; only then does the
//        data leave (kInternal and no data when the entry cannot be recorded).
//      - released_then(): released() for the asynchronous reads. The call decides and acts on the
//        calling thread exactly as the synchronous form (both share act_read(), act_read_version(),
//        act_history(), act_search() or act_count_by_type()), queues the entry in the audit log
//        and returns at once; the data leaves only through the `done` callback, which the log's
//        committer thread runs once the entry is durable (kInternal and no data when it cannot be
//        recorded). No thread waits for the sync. When the log's queue is full the call returns
//        kUnavailable, hands nothing out and never runs `done`.
//      - committed() after write_hook(): a write's entry is made durable in the audit file as an
//        intent before the write commits, and the intent is marked in the write's own
//        transaction (record_intent()); after the commit, committed() queues its outcome.
//        erase_patient() and login() use record_intent() in their own hooks.
//      - account_change(): account rows and the entry in one transaction on the accounts
//        connection.
// Handlers cannot bypass it from outside: the vault, the audit log, the authenticator and the
// accounts connection are private members of Gate, created in gate_open.cpp and never handed
// out; interfaces (cli/, http/) include gate/gate.hpp only and see the public calls.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/json/object.hpp>

#include "gate/gate.hpp"
#include "store/transaction.hpp"

namespace vigie::gate {

// The text of `object[key]`, or "" when it is absent or not a string.
[[nodiscard]] std::string text_field(const boost::json::object& object, std::string_view key);
// kUsage unless type/id names a known resource type and a well-formed id.
[[nodiscard]] Result<void> check_reference(std::string_view type, std::string_view id);
// The custodian as an audit actor, unlocked by `auth_method`.
[[nodiscard]] audit::Actor actor_of(const LocalUser& user, std::string_view auth_method);
// An entry for `action` by `actor`, stamped now.
[[nodiscard]] audit::Entry entry_for(audit::Actor actor, std::string_view action,
                                     const Clock& clock);
// A refusal (not allowed, not authenticated, throttled) is a denial, anything else a failure. A
// denial's reason may have been written by Gate::permit(); otherwise the code's name is recorded.
void mark_failure(audit::Entry& entry, const Error& error);
// Where a stored resource lies, for access/.
// What a call that looks a reference up answers for a resource the vault does not hold.
[[nodiscard]] Error unknown_reference(std::string_view type, std::string_view id);
[[nodiscard]] access::Target target_in(std::string_view type, const std::string& compartment);
[[nodiscard]] audit::Target target_of(const StoredResource& resource);
[[nodiscard]] std::vector<audit::Target> targets_of(const std::vector<StoredResource>& resources);
// `entry` with `targets` added to its own, split over as many entries as the canonical form's
// target limit needs.
[[nodiscard]] std::vector<audit::Entry> with_targets(const audit::Entry& entry,
                                                     std::vector<audit::Target> targets,
                                                     bool count_as_returned);
[[nodiscard]] audit::Target account_target(std::string_view login);
// The entry of an account administration call: what changed goes in `purpose`.
[[nodiscard]] audit::Entry with_account_change(audit::Entry entry, std::string_view change,
                                               std::string_view login);
// The error a call returns instead of its data when its entry could not be recorded: kInternal,
// or kUnavailable as is when the audit log's queue was full (nothing was written; retry later).
[[nodiscard]] Error unrecorded(const Error& audit_error);

// The entries that record `entry` with `result`'s outcome: `targets` (which a success returned,
// decrypted or not) split as with_targets() does.
template <typename T>
[[nodiscard]] std::vector<audit::Entry> outcome_entries(audit::Entry entry, const Result<T>& result,
                                                        std::vector<audit::Target> targets,
                                                        bool decrypted) {
  if (result) {
    entry.decrypted_data_left = decrypted && !targets.empty();
    return with_targets(entry, std::move(targets), decrypted);
  }
  mark_failure(entry, result.error());
  return with_targets(entry, std::move(targets), false);
}

template <typename T>
Result<T> Gate::released(Acted<T> acted, bool decrypted) {
  std::vector<audit::Entry> entries = std::move(acted.recorded_first);
  for (audit::Entry& entry :
       outcome_entries(std::move(acted.entry), acted.result, std::move(acted.targets), decrypted)) {
    entries.push_back(std::move(entry));
  }
  // The detectors see the entries before they are recorded: a call that trips a lock records a
  // refusal and hands nothing out.
  if (std::optional<Error> stopped = watched(entries)) {
    acted.result = tl::unexpected(std::move(*stopped));
  }
  if (auto recorded = record_durably(std::move(entries)); !recorded) {
    return tl::unexpected(recorded.error());
  }
  return std::move(acted.result);
}

template <typename T>
Result<T> Gate::released(audit::Entry entry, Result<T> result, std::vector<audit::Target> targets,
                         bool decrypted) {
  return released(Acted<T>{std::move(entry), std::move(result), std::move(targets)}, decrypted);
}

template <typename T>
Result<void> Gate::released_then(Acted<T> acted, bool decrypted, Done<T> done) {
  std::vector<audit::Entry> entries = std::move(acted.recorded_first);
  for (audit::Entry& entry :
       outcome_entries(std::move(acted.entry), acted.result, std::move(acted.targets), decrypted)) {
    entries.push_back(std::move(entry));
  }
  if (std::optional<Error> stopped = watched(entries)) {
    acted.result = tl::unexpected(std::move(*stopped));
  }
  // The callback holds the result, and nothing of this gate: the gate's thread goes on meanwhile.
  return audit_->record_then(
      std::move(entries),
      [result = std::move(acted.result), done = std::move(done)](Result<void> recorded) mutable {
        if (!recorded) {
          done(tl::unexpected(unrecorded(recorded.error())));
          return;
        }
        done(std::move(result));
      });
}

template <typename T>
Result<T> Gate::refused(audit::Entry entry, Error error) {
  return released(std::move(entry), Result<T>(tl::unexpected(std::move(error))), {}, false);
}

template <typename T>
Result<T> Gate::committed(audit::Entry entry, Result<T> result,
                          const std::optional<int64_t>& intent) {
  // The findings on the change's intents, raised only if it committed.
  std::vector<watch::Finding> findings = std::exchange(pending_findings_, {});
  if (!result) {
    if (intent) {
      // The transaction has ended: the data file says whether the intent committed (a commit
      // whose sync failed did). If even this fails, the next open states it.
      static_cast<void>(audit_->resolve_pending(*accounts_));
    }
    // The failure gets an entry of its own.
    return released(std::move(entry), std::move(result), {}, false);
  }
  if (intent) {
    audit_->resolve_committed(*intent);
  }
  raise(findings);
  return result;
}

template <typename T>
Result<T> Gate::account_change(audit::Entry entry,
                               const std::function<Result<T>(store::DataStore&)>& work) {
  std::optional<int64_t> intent;
  Result<T> result = [&]() -> Result<T> {
    auto transaction = store::begin_transaction(*accounts_);
    if (!transaction) {
      return tl::unexpected(transaction.error());
    }
    Result<T> done = work(*accounts_);
    if (!done) {
      return done;
    }
    if (auto recorded = record_intent(*accounts_, {entry}, intent); !recorded) {
      return tl::unexpected(recorded.error());
    }
    if (auto saved = transaction->commit_durable(); !saved) {
      return tl::unexpected(saved.error());
    }
    return done;
  }();
  return committed(std::move(entry), std::move(result), intent);
}

}  // namespace vigie::gate
