#pragma once

namespace vigie::cli {

// Runs the vigie command line and returns the process exit code (see common/error.hpp).
[[nodiscard]] int run(int argc, char** argv);

}  // namespace vigie::cli
