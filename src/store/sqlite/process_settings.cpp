#include "store/sqlite/process_settings.hpp"

#include <sqlite3.h>

namespace vigie::store::sqlite {

void apply_process_settings() {
  // SQLITE_MISUSE when SQLite is already initialised: its defaults stay, which are correct, only
  // slower.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

}  // namespace vigie::store::sqlite
