#pragma once

#include <cstddef>
#include <cstdint>

#include "bench/workload.hpp"
#include "common/error.hpp"

// Makes the benchmark's workload from demo/'s synthetic patients.

namespace vigie::bench {

struct WorkloadSpec {
  size_t resources = 100'000;
  size_t batch_size = 1'000;  // entries per transaction
  size_t reads = 20'000;
  size_t identifier_searches = 5'000;
  size_t family_searches = 500;
  uint64_t seed = 20'261'101;  // demo data and request sequences
};

// Generates enough demo patients for spec.resources entries (cut to exactly that many; the cut
// keeps every reference valid since demo/ writes a patient before its resources), plans the
// Bundle once with vault::Vault::new_id, splits it into batches, and draws the request
// sequences: reads of uniformly random entries, identifier searches (INS-NIR "system|value") of
// random Patients, and searches by the first 3 characters of random Patients' family names.
// kInternal if the demo Bundle does not plan or holds no Patient.
[[nodiscard]] Result<Workload> build_workload(const WorkloadSpec& spec);

}  // namespace vigie::bench
