#include "output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "pkeydm/error.hpp"
#include "pkeydm/unique_fd.hpp"

using pkeydm::Errc;

namespace pdmgen {

namespace {

void make_parents(const std::string& dir, const std::string& rel)
{
    for (auto slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
        const auto p = dir + "/" + rel.substr(0, slash);
        if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST)
            pkeydm::throw_errno(Errc::io, "mkdir " + p, errno);
    }
}

void write_regular(const std::string& path, const std::string& content)
{
    pkeydm::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd)
        pkeydm::throw_errno(Errc::io, "create " + path, errno);
    // Readable by systemd whatever the umask.
    if (::fchmod(fd.get(), 0644) != 0)
        pkeydm::throw_errno(Errc::io, "chmod " + path, errno);
    std::size_t done = 0;
    while (done < content.size()) {
        const auto n = ::write(fd.get(), content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            pkeydm::throw_errno(Errc::io, "write " + path, errno);
        }
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

void write_files(const std::string& dir, const std::vector<GeneratedFile>& files)
{
    for (const auto& f : files) {
        make_parents(dir, f.path);
        const auto path = dir + "/" + f.path;
        if (f.symlink) {
            if (::symlink(f.content.c_str(), path.c_str()) != 0)
                pkeydm::throw_errno(Errc::io, "symlink " + path, errno);
        } else {
            write_regular(path, f.content);
        }
    }
}

}  // namespace pdmgen
