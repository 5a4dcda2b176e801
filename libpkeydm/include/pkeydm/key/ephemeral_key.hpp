// New random protected-key tokens for ephemeral devices, in the full-XTS
// form (sysfs protkey_aes_xts_{128,256}: one 80/112-byte token, one CPACF
// call per block) where the machine has it (MSA 10), else as the two-key
// pair (protkey_aes_{128,256}_xts, or PKEY_GENPROTK twice).
//
// The attributes are opened once, at construction: pdmd makes one when it
// starts watching a device, so that making a key later opens no file (a
// path lookup may wait on pages of the very swap device that waits for the
// key).  Each key is one pread at offset 0, the only read the driver takes.
#pragma once

#include <optional>
#include <string>

#include "pkeydm/key/secure_buffer.hpp"
#include "pkeydm/key/token.hpp"
#include "pkeydm/unique_fd.hpp"

namespace pkeydm {

class PkeyDevice;

class EphemeralKeyMaker {
public:
    // `form`: the form every key must have (a device's key may only be
    // followed by one of the same form); nullopt: full-XTS where it works.
    EphemeralKeyMaker(unsigned xts_bits, const std::string& protkey_dir,
                      std::optional<TokenForm> form = std::nullopt);

    // `dev` (opened by the caller beforehand) is the last resort of the pair form.
    SecureBuffer make(PkeyDevice& dev);
    unsigned xts_bits() const noexcept { return bits_; }

private:
    SecureBuffer read_attr(const UniqueFd& fd, const std::string& path, std::size_t size);

    unsigned bits_;
    std::optional<TokenForm> form_;
    std::string full_path_, pair_path_;
    UniqueFd full_, pair_;
};

// "two-key" or "full-xts" (pdm status).
std::string_view token_form_name(TokenForm f) noexcept;

}  // namespace pkeydm
