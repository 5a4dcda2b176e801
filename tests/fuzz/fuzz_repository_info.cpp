// Repository .info files: parse_key_info with its formatter as inverse, then
// the fuzzed text as the .info of a real repository entry next to a valid
// .skey, loaded through Repository::load (file reading, locks, trust checks).
#include <fcntl.h>
#include <unistd.h>

#include "fuzz_common.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/key/repository.hpp"

using namespace pkeydm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto t = fuzz::text(data, size);
    std::optional<KeyInfo> info;
    fuzz::ok([&] { info = parse_key_info(t, "k.info"); });
    if (info) {
        // the target's pattern or none (an old SHA-256 one is dropped)
        FUZZ_CHECK(info->verification_pattern.empty() || info->verification_pattern.size() == 32);
        KeyInfo again;
        FUZZ_CHECK(fuzz::ok([&] { again = parse_key_info(format_key_info(*info), "again"); }));
        FUZZ_CHECK(again.name == info->name && again.keytype == info->keytype && again.created == info->created &&
                   again.mkvp == info->mkvp && again.verification_pattern == info->verification_pattern);
    }

    static const std::string dir = fuzz::scratch_dir() + "/repo";
    static const bool init = [] {
        make_dirs(dir, 0700);
        const auto skey = fuzz::fixed_secure_key();
        write_file_atomic(dir + "/k.skey", skey, 0600);
        return true;
    }();
    (void)init;
    {
        // Plain write: an atomic replace with fsync per input would be slow.
        const int fd = ::open((dir + "/k.info").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        FUZZ_CHECK(fd >= 0);
        FUZZ_CHECK(size == 0 || ::write(fd, data, size) == static_cast<ssize_t>(size));
        ::close(fd);
    }
    std::optional<RepositoryKey> k;
    const bool loaded = fuzz::ok([&] { k = Repository(dir).load("k"); });
    if (size <= 4096)
        FUZZ_CHECK(loaded == info.has_value());
    if (k) {
        FUZZ_CHECK(k->trusted == k->untrusted_reason.empty());
        if (k->trusted)
            FUZZ_CHECK(k->info.name == "k" && k->info.keytype == KeyType::aes_xts_256 && k->skey.size() == 128);
    }
    return 0;
}
