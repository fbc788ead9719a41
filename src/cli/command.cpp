#include "cli/command.hpp"

#include <cstdio>

#include <fmt/format.h>

namespace vigie::cli {

Result<std::pair<std::string, std::string>> split_reference(const std::string& reference) {
  const size_t slash = reference.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == reference.size() ||
      reference.find('/', slash + 1) != std::string::npos) {
    return fail(ErrorCode::kUsage, "expected TYPE/ID, for example Patient/1234");
  }
  return std::pair{reference.substr(0, slash), reference.substr(slash + 1)};
}

int report(const Error& error) {
  fmt::print(stderr, "vigie: {}\n", error.message);
  return exit_code_for(error.code);
}

Result<gate::Unlocked> open_gate(const Options& options) {
  auto secret = secret_for_open(options.unlock);
  if (!secret) {
    return tl::unexpected(secret.error());
  }
  return gate::Gate::open(options.vault_dir, *secret, gate::current_local_user());
}

int close_gate(gate::Gate& gate, int exit_code) {
  auto closed = gate.close();
  if (!closed && exit_code == 0) {
    return report(closed.error());
  }
  return exit_code;
}

}  // namespace vigie::cli
