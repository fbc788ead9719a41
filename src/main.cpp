#include "cli/run.hpp"
#include "store/sqlite/process_settings.hpp"

int main(int argc, char** argv) {
  vigie::store::sqlite::apply_process_settings();
  return vigie::cli::run(argc, argv);
}
