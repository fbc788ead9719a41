// Listings across resources that are not searches: a type's history and a patient's whole
// compartment. Both decide on clear metadata first, then decrypt one page.

#include <algorithm>
#include <iterator>

#include "vault/vault.hpp"
#include "vault/vault_internal.hpp"

namespace vigie::vault {

Result<SearchPage> Vault::type_history(std::string_view type, int64_t since_ms, int64_t until_ms,
                                       size_t count, size_t offset, const VisibleVersion& visible) {
  auto rows = in_read_snapshot([&] {
    auto versions = data_->versions_of_type(std::string(type), since_ms, until_ms);
    if (versions) {
      std::erase_if(*versions, [&](const store::ResourceVersionRow& row) {
        return erased_rows_remain(row.compartment) ||
               (visible && !visible(row.type, row.compartment));
      });
    }
    return versions;
  });
  if (!rows) {
    return tl::unexpected(rows.error());
  }
  return page_of_versions(std::move(*rows), count, offset);
}

Result<SearchPage> Vault::compartment(std::string_view patient_id, size_t count, size_t offset,
                                      const VisibleVersion& visible) {
  auto rows = in_read_snapshot([&] {
    const std::string patient(patient_id);
    auto current = data_->current_in_compartment(patient);
    if (current) {
      if (erased_rows_remain(patient)) {
        current->clear();
      }
      std::erase_if(*current, [&](const store::ResourceVersionRow& row) {
        return visible && !visible(row.type, row.compartment);
      });
      std::stable_partition(
          current->begin(), current->end(),
          [](const store::ResourceVersionRow& row) { return row.type == "Patient"; });
    }
    return current;
  });
  if (!rows) {
    return tl::unexpected(rows.error());
  }
  return page_of_versions(std::move(*rows), count, offset);
}

Result<SearchPage> Vault::page_of_versions(std::vector<store::ResourceVersionRow> rows,
                                           size_t count, size_t offset) {
  SearchPage page;
  page.total = rows.size();
  const size_t begin = std::min(offset, rows.size());
  const size_t end = std::min(begin + count, rows.size());
  std::vector<store::ResourceVersionRow> sealed;
  auto read = in_read_snapshot([&]() -> Result<void> {
    for (size_t index = begin; index < end; ++index) {
      const store::ResourceVersionRow& row = rows[index];
      auto found = without_erased(data_->read_version(row.type, row.id, row.version));
      if (!found) {
        return tl::unexpected(found.error());
      }
      if (found->has_value()) {
        sealed.push_back(std::move(**found));
      }
    }
    return {};
  });
  if (!read) {
    return tl::unexpected(read.error());
  }
  page.total -= (end - begin) - sealed.size();
  page.matches.reserve(sealed.size());
  for (const store::ResourceVersionRow& row : sealed) {
    auto stored = decrypt(row);
    if (!stored) {
      return tl::unexpected(stored.error());
    }
    page.matches.push_back(std::move(*stored));
  }
  return page;
}

}  // namespace vigie::vault
