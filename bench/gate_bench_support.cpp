#include "bench/gate_bench_support.hpp"

#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <fstream>
#include <utility>

#include <boost/json/array.hpp>

#include "demo/demo_data.hpp"
#include "fhir/bundle.hpp"

namespace vigie::bench {

namespace json = boost::json;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double process_cpu_seconds() {
  timespec now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

double thread_cpu_seconds() {
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one_minute;
  in >> one_minute;
  return one_minute.empty() ? std::string("unknown") : one_minute;
}

Result<std::filesystem::path> make_work_dir(std::string_view program) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / (std::string(program) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return fail(ErrorCode::kInternal, "cannot create a temporary directory");
  }
  return std::filesystem::path(pattern);
}

vault::UnlockSecret key_file_secret(const crypto::SecretBytes& key) {
  return vault::UnlockSecret{store::UnlockerKind::kKeyFile,
                             crypto::SecretBytes::copy_of(key.view())};
}

std::vector<ResourceRef> refs_of(const vault::BundleOutcome& outcome) {
  std::vector<ResourceRef> refs;
  refs.reserve(outcome.entries.size());
  for (const vault::EntryOutcome& entry : outcome.entries) {
    refs.push_back(ResourceRef{entry.type, entry.id, entry.version, entry.compartment});
  }
  return refs;
}

json::object demo_bundle(size_t count, uint64_t seed) {
  demo::DemoOptions options;
  options.seed = seed;
  options.patients = count / 8 + 1;
  json::object bundle = demo::generate_bundle(options);
  while (bundle.at("entry").as_array().size() < count) {
    options.patients += options.patients / 4 + 1;
    bundle = demo::generate_bundle(options);
  }
  bundle.at("entry").as_array().resize(count);
  return bundle;
}

Result<std::vector<json::object>> demo_transactions(size_t count, uint64_t seed,
                                                    size_t per_transaction) {
  auto plan = fhir::plan_bundle(demo_bundle(count, seed), [] { return vault::Vault::new_id(); });
  if (!plan) {
    return fail(ErrorCode::kInternal, "the demo Bundle does not plan: " + plan.error().message);
  }
  std::vector<json::object> transactions;
  for (fhir::PlannedEntry& planned : plan->entries) {
    if (transactions.empty() ||
        transactions.back().at("entry").as_array().size() == per_transaction) {
      transactions.push_back(json::object{
          {"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", json::array()}});
    }
    json::object request{{"method", "PUT"}, {"url", planned.type + "/" + planned.id}};
    transactions.back().at("entry").as_array().push_back(
        json::object{{"resource", std::move(planned.resource)}, {"request", std::move(request)}});
  }
  return transactions;
}

}  // namespace vigie::bench
