#pragma once

namespace vigie::store::sqlite {

// SQLite's process-wide settings, for a program to call once at its start, before any connection
// opens: SQLite refuses them once it is initialised, and then this leaves its defaults.
//
// Memory statistics off. vigie reads none of them, and with them on every allocation and free
// SQLite makes takes one global mutex; Debian's SQLite has no lookaside allocator, so that is
// dozens per statement, and the readers and the audit committer contend for it. Measured on the
// audited HTTP read in bench/RESULTS.md.
void apply_process_settings();

}  // namespace vigie::store::sqlite
