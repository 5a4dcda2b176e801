#include "pkeydm/device/swap.hpp"

#include <spawn.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "pkeydm/error.hpp"

extern char** environ;

namespace pkeydm {

void run_program(const std::vector<std::string>& argv)
{
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid;
    const int rc = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ);
    if (rc != 0)
        throw_errno(Errc::io, "cannot run " + argv[0], rc);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            throw_errno(Errc::io, "waitpid " + argv[0], errno);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw Error(Errc::io, argv[0] + " failed (" +
                                  (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                                     : "signal " + std::to_string(WTERMSIG(status))) +
                                  ")");
}

void make_swap(const std::string& path)
{
    run_program({"mkswap", path});
}

int swap_flags(const SwapOptions& o)
{
    int flags = o.discard ? SWAP_FLAG_DISCARD : 0;
    if (o.priority) {
        if (*o.priority < 0 || *o.priority > SWAP_FLAG_PRIO_MASK)
            throw Error(Errc::config, "swap priority " + std::to_string(*o.priority) + ": expected 0.." +
                                          std::to_string(SWAP_FLAG_PRIO_MASK));
        flags |= SWAP_FLAG_PREFER | ((*o.priority << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK);
    }
    return flags;
}

void swap_on(const std::string& path, const SwapOptions& o)
{
    if (::swapon(path.c_str(), swap_flags(o)) < 0)
        throw_errno(Errc::io, "swapon " + path, errno);
}

bool swap_active(const std::string& path)
{
    struct stat target;
    if (::stat(path.c_str(), &target) != 0 || !S_ISBLK(target.st_mode))
        return false;
    std::ifstream in("/proc/swaps");
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string p;
        ls >> p;
        struct stat st;
        if (::stat(p.c_str(), &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == target.st_rdev)
            return true;
    }
    return false;
}

void swap_off(const std::string& path)
{
    if (::swapoff(path.c_str()) < 0)
        throw_errno(Errc::io, "swapoff " + path, errno);
}

}  // namespace pkeydm
