#include "pkeydm/no_core.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>

#include "pkeydm/error.hpp"

namespace pkeydm {

void forbid_core_dumps()
{
    const struct rlimit none {0, 0};
    if (::setrlimit(RLIMIT_CORE, &none) < 0)
        throw_errno(Errc::internal, "cannot set RLIMIT_CORE to 0", errno);
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        throw_errno(Errc::internal, "cannot clear the dumpable flag (PR_SET_DUMPABLE)", errno);
}

}  // namespace pkeydm
