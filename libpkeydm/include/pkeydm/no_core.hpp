// pdm and pdmd hold key material (clear keys, secure keys, protected-key
// tokens) in their memory; a core dump would write it to disk.
#pragma once

namespace pkeydm {

// Makes this process non-dumpable (prctl PR_SET_DUMPABLE 0: no core file,
// /proc/PID/mem and ptrace for CAP_SYS_PTRACE only) and sets RLIMIT_CORE to
// 0, which children inherit.  Call first thing in main, before any key is
// read.  Throws Error(internal) if either fails.
void forbid_core_dumps();

}  // namespace pkeydm
