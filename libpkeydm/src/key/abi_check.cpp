// On s390 the kernel's <asm/pkey.h> is the authority: prove at compile time
// that the project's copy of the ABI (pkey_abi.h) says the same.  The two
// headers define the same struct names, so the kernel's values are captured
// first and ours is included inside a namespace.  Elsewhere this file is empty.
#if defined(__s390x__) && __has_include(<asm/pkey.h>)
#include <asm/pkey.h>

#include <cstddef>

namespace kernel_abi {
constexpr unsigned long genseck = PKEY_GENSECK, clr2seck = PKEY_CLR2SECK, sec2protk = PKEY_SEC2PROTK,
                        clr2protk = PKEY_CLR2PROTK, verifykey = PKEY_VERIFYKEY, genprotk = PKEY_GENPROTK,
                        verifyprotk = PKEY_VERIFYPROTK, kblob2protk = PKEY_KBLOB2PROTK,
                        kblob2protk3 = PKEY_KBLOB2PROTK3;
constexpr int seckeysize = SECKEYBLOBSIZE, protkeyblobsize = PROTKEYBLOBSIZE, maxprotkeysize = MAXPROTKEYSIZE,
              maxclrkeysize = MAXCLRKEYSIZE;
constexpr int aes128 = PKEY_KEYTYPE_AES_128, aes192 = PKEY_KEYTYPE_AES_192, aes256 = PKEY_KEYTYPE_AES_256,
              xts128 = PKEY_KEYTYPE_AES_XTS_128, xts256 = PKEY_KEYTYPE_AES_XTS_256;
constexpr int type_cca_data = PKEY_TYPE_CCA_DATA, type_protkey = PKEY_TYPE_PROTKEY;
constexpr std::size_t protkey = sizeof(struct pkey_protkey), sec2protk_sz = sizeof(struct pkey_sec2protk),
                      kblob3 = sizeof(struct pkey_kblob2pkey3);
}  // namespace kernel_abi

#undef PKEY_IOCTL_MAGIC
#undef SECKEYBLOBSIZE
#undef PROTKEYBLOBSIZE
#undef MAXPROTKEYSIZE
#undef MAXCLRKEYSIZE
#undef PKEY_KEYTYPE_AES_128
#undef PKEY_KEYTYPE_AES_192
#undef PKEY_KEYTYPE_AES_256
#undef PKEY_KEYTYPE_AES_XTS_128
#undef PKEY_KEYTYPE_AES_XTS_256
#undef PKEY_GENSECK
#undef PKEY_CLR2SECK
#undef PKEY_SEC2PROTK
#undef PKEY_CLR2PROTK
#undef PKEY_VERIFYKEY
#undef PKEY_VERIFY_ATTR_AES
#undef PKEY_VERIFY_ATTR_OLD_MKVP
#undef PKEY_GENPROTK
#undef PKEY_VERIFYPROTK
#undef PKEY_KBLOB2PROTK
#undef PKEY_KBLOB2PROTK3

namespace ours {
#include <uapi/pkeydm/pkey_abi.h>
static_assert(PKEY_GENSECK == kernel_abi::genseck);
static_assert(PKEY_CLR2SECK == kernel_abi::clr2seck);
static_assert(PKEY_SEC2PROTK == kernel_abi::sec2protk);
static_assert(PKEY_CLR2PROTK == kernel_abi::clr2protk);
static_assert(PKEY_VERIFYKEY == kernel_abi::verifykey);
static_assert(PKEY_GENPROTK == kernel_abi::genprotk);
static_assert(PKEY_VERIFYPROTK == kernel_abi::verifyprotk);
static_assert(PKEY_KBLOB2PROTK == kernel_abi::kblob2protk);
static_assert(PKEY_KBLOB2PROTK3 == kernel_abi::kblob2protk3);
static_assert(SECKEYBLOBSIZE == kernel_abi::seckeysize && PROTKEYBLOBSIZE == kernel_abi::protkeyblobsize);
static_assert(MAXPROTKEYSIZE == kernel_abi::maxprotkeysize && MAXCLRKEYSIZE == kernel_abi::maxclrkeysize);
static_assert(PKEY_KEYTYPE_AES_128 == kernel_abi::aes128 && PKEY_KEYTYPE_AES_192 == kernel_abi::aes192 &&
              PKEY_KEYTYPE_AES_256 == kernel_abi::aes256);
static_assert(PKEY_KEYTYPE_AES_XTS_128 == kernel_abi::xts128 && PKEY_KEYTYPE_AES_XTS_256 == kernel_abi::xts256);
static_assert(PKEY_TYPE_CCA_DATA == kernel_abi::type_cca_data && PKEY_TYPE_PROTKEY == kernel_abi::type_protkey);
static_assert(sizeof(pkey_protkey) == kernel_abi::protkey);
static_assert(sizeof(pkey_sec2protk) == kernel_abi::sec2protk_sz);
static_assert(sizeof(pkey_kblob2pkey3) == kernel_abi::kblob3);
}  // namespace ours
#endif
