#include "pkeydm/files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <syslog.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "pkeydm/error.hpp"
#include "pkeydm/log_sink.hpp"

namespace pkeydm {

namespace {

std::string dir_of(const std::string& path)
{
    const auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

void write_all(int fd, const std::uint8_t* p, std::size_t n, const std::string& path)
{
    while (n) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            throw_errno(Errc::io, "write " + path, errno);
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

}  // namespace

void write_file_atomic(const std::string& path, std::span<const std::uint8_t> data, mode_t mode)
{
    std::random_device rd;
    const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd() & 0xffffff);
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (!fd)
        throw_errno(Errc::io, "create " + tmp, errno);
    try {
        // The umask may have cleared bits; the caller's mode is what counts.
        if (::fchmod(fd.get(), mode) < 0)
            throw_errno(Errc::io, "chmod " + tmp, errno);
        write_all(fd.get(), data.data(), data.size(), tmp);
        if (::fsync(fd.get()) < 0)
            throw_errno(Errc::io, "fsync " + tmp, errno);
        fd.reset();
        if (::rename(tmp.c_str(), path.c_str()) < 0)
            throw_errno(Errc::io, "rename " + tmp + " to " + path, errno);
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    UniqueFd dfd(::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd)
        ::fsync(dfd.get());
}

void write_file_atomic(const std::string& path, const std::string& text, mode_t mode)
{
    write_file_atomic(path, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, mode);
}

namespace {

UniqueFd open_for_reading(const std::string& path, int flags = 0)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags));
    if (!fd)
        throw_errno(errno == ENOENT ? Errc::not_found : Errc::io, "open " + path, errno);
    return fd;
}

std::string octal_mode(mode_t m)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
    return buf;
}

SecureBuffer read_fd_secure(int fd, const std::string& path, std::size_t max_size)
{
    // Sized by the file where it has a size, else a page, so a short file
    // does not take max_size of memory (pdmd's is locked and never given
    // back); grown while the file gives more.  One byte over max_size shows
    // a file too large.
    std::size_t room = std::min<std::size_t>(max_size, 4096);
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        room = static_cast<std::size_t>(std::min<std::uint64_t>(static_cast<std::uint64_t>(st.st_size), max_size));
    SecureBuffer buf(room + 1);
    std::size_t got = 0;
    for (;;) {
        if (got == buf.size()) {
            SecureBuffer more(std::min(max_size, 2 * buf.size()) + 1);
            std::memcpy(more.data(), buf.data(), got);
            buf = std::move(more);
        }
        const ssize_t r = ::read(fd, buf.data() + got, buf.size() - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            throw_errno(Errc::io, "read " + path, errno);
        }
        if (r == 0)
            break;
        got += static_cast<std::size_t>(r);
        if (got > max_size)
            throw Error(Errc::config, path + ": larger than " + std::to_string(max_size) + " bytes");
    }
    buf.truncate(got);
    return buf;
}

}  // namespace

SecureBuffer read_file_secure(const std::string& path, std::size_t max_size)
{
    const auto fd = open_for_reading(path);
    return read_fd_secure(fd.get(), path, max_size);
}

void check_file_trust(int fd, const std::string& path, FileTrust trust, Errc code)
{
    struct stat st;
    if (::fstat(fd, &st) < 0)
        throw_errno(code, "stat " + path, errno);
    const uid_t me = ::geteuid();
    if (st.st_uid != 0 && st.st_uid != me)
        throw Error(code, path + " is owned by uid " + std::to_string(st.st_uid) + ", not by root or uid " +
                              std::to_string(me) + ": its owner could change what pdm uses; chown it");
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        throw Error(code, path + " has mode " + octal_mode(st.st_mode) +
                              ": group or others may write it and could change what pdm uses; chmod go-w " + path);
    if (trust == FileTrust::secret && (st.st_mode & (S_IRGRP | S_IROTH)))
        log_to_sink(LOG_WARNING, "warning: " + path + " has mode " + octal_mode(st.st_mode) +
                                     ", so group or others can read this key; chmod 0600 " + path);
}

SecureBuffer read_trusted_file(const std::string& path, std::size_t max_size, FileTrust trust, Errc code)
{
    const auto fd = open_for_reading(path);
    check_file_trust(fd.get(), path, trust, code);
    return read_fd_secure(fd.get(), path, max_size);
}

void check_dir_trust(const std::string& path, Errc code)
{
    const auto fd = open_for_reading(path, O_DIRECTORY);
    check_file_trust(fd.get(), path, FileTrust::config, code);
}

std::string read_text_file(const std::string& path, std::size_t max_size)
{
    const auto b = read_file_secure(path, max_size);
    return std::string(b.view());
}

void make_dirs(const std::string& path, mode_t mode)
{
    std::size_t pos = 1;
    for (;;) {
        const auto slash = path.find('/', pos);
        const std::string part = path.substr(0, slash);
        if (!part.empty() && ::mkdir(part.c_str(), mode) < 0 && errno != EEXIST)
            throw_errno(Errc::io, "mkdir " + part, errno);
        if (slash == std::string::npos)
            break;
        pos = slash + 1;
    }
}

FileLock::FileLock(const std::string& path, bool exclusive)
    : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600))
{
    if (!fd_)
        throw_errno(Errc::io, "open lock file " + path, errno);
    int r;
    do
        r = ::flock(fd_.get(), exclusive ? LOCK_EX : LOCK_SH);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        throw_errno(Errc::io, "flock " + path, errno);
}

}  // namespace pkeydm
