#include "device.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pdm::stress {

void throw_errno(const std::string &what, int err)
{
	throw SetupError(what + ": " + std::strerror(err));
}

Fd &Fd::operator=(Fd &&o) noexcept
{
	if (this != &o) {
		if (fd_ >= 0)
			::close(fd_);
		fd_ = o.fd_;
		o.fd_ = -1;
	}
	return *this;
}

Fd::~Fd()
{
	if (fd_ >= 0)
		::close(fd_);
}

Device open_device(const std::string &path, bool write)
{
	Device d;
	d.path = path;
	int fd = ::open(path.c_str(), (write ? O_RDWR : O_RDONLY) | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		throw_errno("open " + path + " (O_DIRECT" + (write ? ", read-write)" : ", read-only)"),
			    errno);
	d.fd = Fd(fd);
	struct stat st;
	if (::fstat(fd, &st))
		throw_errno("fstat " + path, errno);
	if (S_ISBLK(st.st_mode)) {
		d.is_block = true;
		int lbs = 0;
		if (::ioctl(fd, BLKSSZGET, &lbs))
			throw_errno("ioctl BLKSSZGET " + path, errno);
		d.logical_block = static_cast<uint32_t>(lbs);
		if (::ioctl(fd, BLKGETSIZE64, &d.size))
			throw_errno("ioctl BLKGETSIZE64 " + path, errno);
	} else if (S_ISREG(st.st_mode)) {
		d.logical_block = 512;
		d.size = static_cast<uint64_t>(st.st_size);
	} else {
		throw SetupError(path + ": neither a block device nor a regular file");
	}
	return d;
}

AlignedBuffer::AlignedBuffer(size_t size, size_t align) : size_(size)
{
	void *p = nullptr;
	if (int err = ::posix_memalign(&p, align, size ? size : align))
		throw_errno("posix_memalign " + std::to_string(size) + " bytes", err);
	std::memset(p, 0, size);
	p_ = static_cast<std::byte *>(p);
}

AlignedBuffer::~AlignedBuffer()
{
	std::free(p_);
}

} // namespace pdm::stress
