#include "pkeydm/error.hpp"

#include <cstring>

namespace pkeydm {

void throw_errno(Errc code, const std::string& what, int err)
{
    throw Error(code, what + ": " + std::strerror(err), err);
}

}  // namespace pkeydm
