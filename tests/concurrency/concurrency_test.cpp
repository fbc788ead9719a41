// Issue 12, item 1: one vault per process, shared by many threads. 16 threads, each with a gate of
// its own (Gate::open_sibling) on one unlocked vault, run a fixed, seeded mix of reads (some
// asynchronous, completed by the audit log's committer thread), searches, writes, logins and
// erasures; then the audit chain verifies, every successful read has exactly one entry, no erased
// patient is readable and the resource counts match what the threads wrote.
// `make test-tsan` runs it under ThreadSanitizer.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "audit/entry.hpp"
#include "auth/authenticator.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "crypto/secret_string.hpp"
#include "gate/gate.hpp"
#include "support/sign_in.hpp"
#include "support/temp_dir.hpp"
#include "support/vault_contents.hpp"

namespace vigie {
namespace {

constexpr int kThreads = 16;
constexpr int kOperationsPerThread = 120;
constexpr int kLivePatients = 16;
// Patient i of these is erased by thread kFirstEraser + i, at operation kEraseAt.
constexpr int kErasedPatients = 6;
constexpr int kFirstEraser = 4;
constexpr int kEraseAt = 15;
// Threads 0 to kLoginThreads - 1 each sign in once, at operation kLoginAt, to an account of their
// own (Argon2 is slow, under ThreadSanitizer even at libsodium's minimum cost), then search with
// that session kSessionSearches times: each call authenticates it and records its use.
constexpr int kLoginThreads = 4;
constexpr int kLoginAt = 5;
constexpr int kSessionSearches = 3;
constexpr std::string_view kPassword = "Tournesol bleu sur la colline 42!";
constexpr std::string_view kAddress = "192.0.2.10";

boost::json::object parse_object(const std::string& text) {
  return boost::json::parse(text).as_object();
}

std::string patient_json(int number) {
  return R"({"resourceType":"Patient","name":[{"family":"Concurrent)" + std::to_string(number) +
         R"("}]})";
}

std::string observation_json(const std::string& patient, int value,
                             const std::string& id = std::string()) {
  return R"({"resourceType":"Observation",)" + (id.empty() ? "" : R"("id":")" + id + R"(",)") +
         R"("status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},)"
         R"("valueQuantity":{"value":)" +
         std::to_string(value) + R"(},"subject":{"reference":"Patient/)" + patient + R"("}})";
}

// What one thread did, merged after every thread has joined.
struct ThreadReport {
  std::map<std::string, int64_t> successful_reads;  // resource id -> successful reads of it
  int64_t successful_searches = 0;
  int64_t patients_created = 0;
  int64_t observations_created = 0;
  int64_t logins = 0;
  int64_t erasures = 0;
  std::vector<std::string> errors;  // unexpected failures: what failed and the error code
};

// A person's account, ready to sign in with kPassword and a TOTP code of `otpauth_uri`.
struct Account {
  std::string login;
  std::string otpauth_uri;
};

class ConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth::AuthSettings settings;
    settings.password_limits = crypto::PasswordHashLimits{1, 8192};  // libsodium's minimum
    auto created = gate::Gate::initialize(
        vault_dir_,
        gate::UnlockSecret{gate::UnlockerKind::kKeyFile, crypto::SecretBytes::copy_of(key_.view())},
        {}, audit::CheckpointPolicy{}, gate::current_local_user(), settings, clock_);
    ASSERT_TRUE(created) << created.error().message;
    gate_ = std::move(created->gate);
    custodian_.emplace(std::move(created->custodian));
  }

  std::string create(const std::string& json) {
    auto created = gate_->create(*custodian_, parse_object(json));
    EXPECT_TRUE(created) << created.error().message;
    return created ? created->id : std::string();
  }

  // A practitioner's account with its password changed from the temporary one and a second
  // factor enrolled, as a person does at their first login.
  Account add_account(const std::string& login) {
    auto enrolment = gate_->add_account(
        *custodian_, auth::NewAccount{login, "Camille Test", access::Role::kPractitioner, ""});
    EXPECT_TRUE(enrolment) << enrolment.error().message;
    if (!enrolment) {
      return {};
    }
    auto session = gate_->login(
        auth::LoginRequest{login, crypto::SecretString(enrolment->temporary_password.view()),
                           crypto::SecretString(""), std::string(kAddress)},
        "test");
    EXPECT_TRUE(session) << session.error().message;
    const gate::Principal first =
        gate::account_principal(session ? session->secret : "", std::string(kAddress), "test");
    EXPECT_TRUE(gate_->change_password(first, enrolment->temporary_password.view(), kPassword));
    auto factor = gate_->enrol_second_factor(first);
    EXPECT_TRUE(factor) << factor.error().message;
    return Account{login, factor ? std::string(factor->otpauth_uri.view()) : std::string()};
  }

  testing::TempDir dir_;
  std::filesystem::path vault_dir_ = dir_ / "vault";
  crypto::SecretBytes key_ = crypto::SecretBytes::random(32);
  ManualClock clock_{1'790'000'000'000};
  std::optional<gate::Custodian> custodian_;
  std::unique_ptr<gate::Gate> gate_;
};

std::string failure(std::string_view what, const Error& error) {
  return std::string(what) + ": " + error.message;
}

TEST_F(ConcurrencyTest, SixteenThreadsOfMixedCallsKeepTheAuditAndTheDataExact) {
  std::vector<std::string> live_patients;
  std::vector<std::string> live_observations;
  for (int number = 0; number < kLivePatients; ++number) {
    live_patients.push_back(create(patient_json(number)));
    live_observations.push_back(create(observation_json(live_patients.back(), number)));
  }
  std::vector<std::string> erased_patients;
  std::vector<std::string> erased_observations;
  for (int number = 0; number < kErasedPatients; ++number) {
    erased_patients.push_back(create(patient_json(100 + number)));
    erased_observations.push_back(create(observation_json(erased_patients.back(), number)));
  }
  std::vector<Account> accounts;
  for (int thread = 0; thread < kLoginThreads; ++thread) {
    accounts.push_back(add_account("soignant" + std::to_string(thread)));
    ASSERT_TRUE(gate_->assign(*custodian_, accounts.back().login,
                              live_patients[static_cast<size_t>(thread)]));
  }
  // The next TOTP step: each account's code of the setup is spent.
  clock_.advance_ms(31'000);
  std::vector<std::unique_ptr<gate::Gate>> gates;
  for (int thread = 0; thread < kThreads; ++thread) {
    auto sibling = gate_->open_sibling();
    ASSERT_TRUE(sibling) << sibling.error().message;
    gates.push_back(std::move(*sibling));
  }
  const std::vector<audit::Entry> before = testing::audit_entries(vault_dir_);
  ASSERT_FALSE(before.empty());
  const int64_t last_seq_before = before.back().seq;
  const gate::Principal custodian(*custodian_);

  std::vector<ThreadReport> reports(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int thread = 0; thread < kThreads; ++thread) {
      threads.emplace_back([&, thread] {
        gate::Gate& gate = *gates[static_cast<size_t>(thread)];
        ThreadReport& report = reports[static_cast<size_t>(thread)];
        std::mt19937 random(static_cast<uint32_t>(thread) + 1);
        auto pick = [&](const std::vector<std::string>& from) {
          return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(random)];
        };
        std::vector<std::string> mine;  // observations this thread created
        // Asynchronous reads of live observations not completed yet: the id, and the result that
        // their `done` callback hands over from the committer thread.
        std::vector<std::pair<std::string, std::future<Result<gate::StoredResource>>>> pending;
        for (int operation = 0; operation < kOperationsPerThread; ++operation) {
          if (thread < kLoginThreads && operation == kLoginAt) {
            const Account& account = accounts[static_cast<size_t>(thread)];
            auto session =
                gate.login(auth::LoginRequest{account.login, crypto::SecretString(kPassword),
                                              crypto::SecretString(testing::totp_code_now(
                                                  account.otpauth_uri, clock_.now_ms())),
                                              std::string(kAddress)},
                           "test");
            if (!session) {
              report.errors.push_back(failure("login", session.error()));
              continue;
            }
            ++report.logins;
            const gate::Principal practitioner =
                gate::account_principal(session->secret, std::string(kAddress), "test");
            for (int search = 0; search < kSessionSearches; ++search) {
              auto page = gate.search(practitioner, "Observation",
                                      {{"patient", live_patients[static_cast<size_t>(thread)]}});
              if (!page) {
                report.errors.push_back(failure("search in a session", page.error()));
              } else if (page->total < 1) {
                report.errors.push_back("search in a session: the assigned patient's is missing");
              } else {
                ++report.successful_searches;
              }
            }
            continue;
          }
          const int erased_index = thread - kFirstEraser;
          if (erased_index >= 0 && erased_index < kErasedPatients && operation == kEraseAt) {
            auto erased =
                gate.erase_patient(custodian, erased_patients[static_cast<size_t>(erased_index)]);
            if (erased) {
              ++report.erasures;
            } else {
              report.errors.push_back(failure("erase", erased.error()));
            }
            continue;
          }
          const int kind = std::uniform_int_distribution<int>(0, 99)(random);
          if (kind >= 28 && kind < 40) {
            // Collected after the thread's last operation: meanwhile it goes on calling the gate.
            const std::string id = pick(live_observations);
            auto done = std::make_shared<std::promise<Result<gate::StoredResource>>>();
            auto queued = gate.read(
                custodian, "Observation", id,
                [done](Result<gate::StoredResource> read) { done->set_value(std::move(read)); });
            if (queued) {
              pending.emplace_back(id, done->get_future());
            } else {
              report.errors.push_back(failure("asynchronous read", queued.error()));
            }
          } else if (kind < 40) {
            const bool patient = kind < 15;
            const std::string id = pick(patient ? live_patients : live_observations);
            auto read = gate.read(custodian, patient ? "Patient" : "Observation", id);
            if (read) {
              ++report.successful_reads[id];
            } else {
              report.errors.push_back(failure("read", read.error()));
            }
          } else if (kind < 50) {
            // A patient that another thread may be erasing meanwhile: found whole, or not at all.
            const std::string id = pick(erased_observations);
            auto read = gate.read(custodian, "Observation", id);
            if (read) {
              ++report.successful_reads[id];
            } else if (read.error().code != ErrorCode::kNotFound &&
                       read.error().code != ErrorCode::kGone) {
              report.errors.push_back(failure("read of an erased patient", read.error()));
            }
          } else if (kind < 65) {
            auto page = gate.search(custodian, "Observation", {{"patient", pick(live_patients)}});
            if (!page) {
              report.errors.push_back(failure("search", page.error()));
            } else if (page->total < 1) {
              report.errors.push_back("search: a live patient's observation is missing");
            } else {
              ++report.successful_searches;
            }
          } else if (kind < 80) {
            auto created = gate.create(
                custodian, parse_object(observation_json(pick(live_patients), operation)));
            if (created) {
              ++report.observations_created;
              mine.push_back(created->id);
            } else {
              report.errors.push_back(failure("create observation", created.error()));
            }
          } else if (kind < 90 && !mine.empty()) {
            const std::string id = pick(mine);
            auto updated =
                gate.update(custodian, "Observation", id,
                            parse_object(observation_json(pick(live_patients), operation, id)));
            if (!updated) {
              report.errors.push_back(failure("update", updated.error()));
            }
          } else {
            // A new patient: a new data key, written to the keyring.
            auto created =
                gate.create(custodian, parse_object(patient_json(1000 * thread + operation)));
            if (created) {
              ++report.patients_created;
            } else {
              report.errors.push_back(failure("create patient", created.error()));
            }
          }
        }
        for (auto& [id, result] : pending) {
          Result<gate::StoredResource> read = result.get();
          if (read) {
            ++report.successful_reads[id];
          } else {
            report.errors.push_back(failure("asynchronous read", read.error()));
          }
        }
      });
    }
  }

  ThreadReport total;
  for (const ThreadReport& report : reports) {
    for (const auto& [id, reads] : report.successful_reads) {
      total.successful_reads[id] += reads;
    }
    total.successful_searches += report.successful_searches;
    total.patients_created += report.patients_created;
    total.observations_created += report.observations_created;
    total.logins += report.logins;
    total.erasures += report.erasures;
    total.errors.insert(total.errors.end(), report.errors.begin(), report.errors.end());
  }
  for (const std::string& error : total.errors) {
    ADD_FAILURE() << error;
  }
  EXPECT_EQ(total.logins, kLoginThreads);
  EXPECT_EQ(total.erasures, kErasedPatients);

  // The chain verifies, and every successful read and search has exactly one entry.
  std::map<std::string, int64_t> audited_reads;
  int64_t audited_searches = 0;
  int64_t audited_logins = 0;
  int64_t audited_erasures = 0;
  // Every thread has joined, so the statements of their writes' commits were queued before the
  // verification, which waits for their flush: the chain holds them all, then its own entry.
  auto report = gate_->verify_audit(*custodian_, std::nullopt);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_FALSE(report->failure.has_value());
  const std::vector<audit::Entry> after = testing::audit_chain(vault_dir_);
  EXPECT_EQ(report->verified + 1, static_cast<int64_t>(after.size()));
  // Each write's intent is stated committed exactly once, and only the writes that returned are.
  std::map<int64_t, int> stated_committed;
  for (const audit::Entry& entry : after) {
    if (entry.action == audit::kActionCommit && entry.outcome == audit::Outcome::kSuccess) {
      for (const audit::Target& target : entry.targets) {
        ++stated_committed[std::stoll(target.id)];
      }
    }
  }
  int64_t committed_creates = 0;
  for (const audit::Entry& entry : after) {
    if (entry.seq > last_seq_before && entry.action == audit::kActionCreate &&
        entry.awaits_commit && stated_committed.contains(entry.seq)) {
      EXPECT_EQ(stated_committed[entry.seq], 1) << "entry " << entry.seq;
      ++committed_creates;
    }
  }
  EXPECT_EQ(committed_creates, total.patients_created + total.observations_created);
  for (const audit::Entry& entry : after) {
    if (entry.seq <= last_seq_before || entry.outcome != audit::Outcome::kSuccess) {
      continue;
    }
    if (entry.action == audit::kActionRead) {
      EXPECT_EQ(entry.targets.size(), 1U);
      ++audited_reads[entry.targets.front().id];
    } else if (entry.action == audit::kActionSearch) {
      ++audited_searches;
    } else if (entry.action == audit::kActionLogin) {
      ++audited_logins;
    } else if (entry.action == audit::kActionErase) {
      ++audited_erasures;
    }
  }
  EXPECT_EQ(audited_reads, total.successful_reads);
  EXPECT_EQ(audited_searches, total.successful_searches);
  EXPECT_EQ(audited_logins, total.logins);
  EXPECT_EQ(audited_erasures, total.erasures);

  // No erased patient is readable or found, through any gate.
  for (size_t index = 0; index < erased_patients.size(); ++index) {
    for (const std::unique_ptr<gate::Gate>& gate : gates) {
      EXPECT_FALSE(gate->read(*custodian_, "Patient", erased_patients[index]));
      EXPECT_FALSE(gate->read(*custodian_, "Observation", erased_observations[index]));
    }
    auto patients = gate_->search(*custodian_, "Patient", {{"_id", erased_patients[index]}});
    ASSERT_TRUE(patients) << patients.error().message;
    EXPECT_EQ(patients->total, 0U);
    auto observations =
        gate_->search(*custodian_, "Observation", {{"patient", erased_patients[index]}});
    ASSERT_TRUE(observations) << observations.error().message;
    EXPECT_EQ(observations->total, 0U);
  }

  // The counts are what the threads wrote.
  auto counts = gate_->count_by_type(*custodian_);
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ((*counts)["Patient"], kLivePatients + total.patients_created);
  EXPECT_EQ((*counts)["Observation"], kLivePatients + total.observations_created);
}

}  // namespace
}  // namespace vigie
