/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The s390 pkey ABI as pkeydm uses it, for machines without <asm/pkey.h>.
 *
 * On s390 the kernel's own uapi header <asm/pkey.h> is authoritative; this
 * header repeats the subset pkeydm needs with the same numbers and layouts so
 * that pkey_emu (x86_64) and the userspace tools speak exactly the ABI of a
 * real IBM Z host.  Where both headers exist the values are compared at
 * compile time (see libpkeydm/src/abi_check.cpp).
 *
 * Token u32 fields are in the CPU's byte order, as in the real driver:
 * big-endian on s390, little-endian in the x86_64 emulation.
 */
#ifndef _UAPI_PKEYDM_PKEY_ABI_H
#define _UAPI_PKEYDM_PKEY_ABI_H

#include <linux/types.h>
#include <linux/ioctl.h>

#ifndef __user
#define __user
#endif

#define PKEY_IOCTL_MAGIC 'p'

#define SECKEYBLOBSIZE	64	/* CCA AESDATA secure key blob */
#define PROTKEYBLOBSIZE	80	/* one protected-key token */
#define MAXPROTKEYSIZE	64	/* protkey[] in struct pkey_protkey */
#define MAXCLRKEYSIZE	32
#define MAXAESCIPHERKEYSIZE	136	/* CCA AESCIPHER token as generated */
#define MINEP11AESKEYBLOBSIZE	256
/*
 * 336 since "s390/pkey: fix PKEY_TYPE_EP11_AES handling for sysfs
 * attributes" (in 6.1 stable and 6.12): the sysfs ep11 attributes pad each
 * key blob with header to this size.
 */
#define MAXEP11AESKEYBLOBSIZE	336

/* Key types (struct pkey_protkey.type, token keytype) */
#define PKEY_KEYTYPE_AES_128		1
#define PKEY_KEYTYPE_AES_192		2
#define PKEY_KEYTYPE_AES_256		3
#define PKEY_KEYTYPE_AES_XTS_128	10
#define PKEY_KEYTYPE_AES_XTS_256	11

/* enum pkey_key_type of the newer ioctls (a __u32 in their structs) */
#define PKEY_TYPE_CCA_DATA	1
#define PKEY_TYPE_CCA_CIPHER	2
#define PKEY_TYPE_EP11		3
#define PKEY_TYPE_EP11_AES	6
#define PKEY_TYPE_PROTKEY	8

/* enum pkey_key_size: bits, or PKEY_SIZE_UNKNOWN */
#define PKEY_SIZE_AES_128	128
#define PKEY_SIZE_AES_192	192
#define PKEY_SIZE_AES_256	256
#define PKEY_SIZE_UNKNOWN	0xFFFFFFFFu

/* VERIFYKEY2 flags out, APQNS4K/APQNS4KT flags in */
#define PKEY_FLAGS_MATCH_CUR_MKVP	0x00000002
#define PKEY_FLAGS_MATCH_ALT_MKVP	0x00000004

/* GENSECK2/CLR2SECK2 keygenflags for CCA AESCIPHER keys (the default) */
#define PKEY_KEYGEN_XPRT_CPAC	0x00000800

/* Size of the wrapping-key verification pattern appended to a protected key */
#define PKEY_WKVP_SIZE		32

struct pkey_apqn {
	__u16 card;
	__u16 domain;
};

struct pkey_seckey {
	__u8 seckey[SECKEYBLOBSIZE];
};

struct pkey_protkey {
	__u32 type;
	__u32 len;
	__u8 protkey[MAXPROTKEYSIZE];
};

struct pkey_clrkey {
	__u8 clrkey[MAXCLRKEYSIZE];
};

struct pkey_genseck {
	__u16 cardnr;
	__u16 domain;
	__u32 keytype;
	struct pkey_seckey seckey;
};
#define PKEY_GENSECK _IOWR(PKEY_IOCTL_MAGIC, 0x01, struct pkey_genseck)

struct pkey_clr2seck {
	__u16 cardnr;
	__u16 domain;
	__u32 keytype;
	struct pkey_clrkey clrkey;
	struct pkey_seckey seckey;
};
#define PKEY_CLR2SECK _IOWR(PKEY_IOCTL_MAGIC, 0x02, struct pkey_clr2seck)

struct pkey_sec2protk {
	__u16 cardnr;
	__u16 domain;
	struct pkey_seckey seckey;
	struct pkey_protkey protkey;
};
#define PKEY_SEC2PROTK _IOWR(PKEY_IOCTL_MAGIC, 0x03, struct pkey_sec2protk)

struct pkey_clr2protk {
	__u32 keytype;
	struct pkey_clrkey clrkey;
	struct pkey_protkey protkey;
};
#define PKEY_CLR2PROTK _IOWR(PKEY_IOCTL_MAGIC, 0x04, struct pkey_clr2protk)

struct pkey_verifykey {
	struct pkey_seckey seckey;
	__u16 cardnr;
	__u16 domain;
	__u16 keysize;
	__u32 attributes;
};
#define PKEY_VERIFYKEY _IOWR(PKEY_IOCTL_MAGIC, 0x07, struct pkey_verifykey)
#define PKEY_VERIFY_ATTR_AES		0x00000001
#define PKEY_VERIFY_ATTR_OLD_MKVP	0x00000100

struct pkey_genprotk {
	__u32 keytype;
	struct pkey_protkey protkey;
};
#define PKEY_GENPROTK _IOWR(PKEY_IOCTL_MAGIC, 0x08, struct pkey_genprotk)

struct pkey_verifyprotk {
	struct pkey_protkey protkey;
};
#define PKEY_VERIFYPROTK _IOW(PKEY_IOCTL_MAGIC, 0x09, struct pkey_verifyprotk)

struct pkey_kblob2pkey {
	__u8 __user *key;
	__u32 keylen;
	struct pkey_protkey protkey;
};
#define PKEY_KBLOB2PROTK _IOWR(PKEY_IOCTL_MAGIC, 0x0A, struct pkey_kblob2pkey)

struct pkey_kblob2pkey3 {
	__u8 __user *key;
	__u32 keylen;
	struct pkey_apqn __user *apqns;
	__u32 apqn_entries;
	__u32 pkeytype;
	__u32 pkeylen;
	__u8 __user *pkey;
};
struct pkey_genseck2 {
	struct pkey_apqn __user *apqns;
	__u32 apqn_entries;
	__u32 type;		/* PKEY_TYPE_* */
	__u32 size;		/* PKEY_SIZE_* */
	__u32 keygenflags;
	__u8 __user *key;
	__u32 keylen;		/* in: buffer size, out: key blob size */
};
#define PKEY_GENSECK2 _IOWR(PKEY_IOCTL_MAGIC, 0x11, struct pkey_genseck2)

struct pkey_clr2seck2 {
	struct pkey_apqn __user *apqns;
	__u32 apqn_entries;
	__u32 type;
	__u32 size;
	__u32 keygenflags;
	struct pkey_clrkey clrkey;
	__u8 __user *key;
	__u32 keylen;
};
#define PKEY_CLR2SECK2 _IOWR(PKEY_IOCTL_MAGIC, 0x12, struct pkey_clr2seck2)

struct pkey_verifykey2 {
	__u8 __user *key;
	__u32 keylen;
	__u16 cardnr;		/* in/out; 0xFFFF: any */
	__u16 domain;
	__u32 type;		/* out: PKEY_TYPE_* */
	__u32 size;		/* out: PKEY_SIZE_* */
	__u32 flags;		/* out: PKEY_FLAGS_MATCH_* */
};
#define PKEY_VERIFYKEY2 _IOWR(PKEY_IOCTL_MAGIC, 0x17, struct pkey_verifykey2)

struct pkey_kblob2pkey2 {
	__u8 __user *key;
	__u32 keylen;
	struct pkey_apqn __user *apqns;
	__u32 apqn_entries;
	struct pkey_protkey protkey;
};
#define PKEY_KBLOB2PROTK2 _IOWR(PKEY_IOCTL_MAGIC, 0x1A, struct pkey_kblob2pkey2)

struct pkey_apqns4key {
	__u8 __user *key;
	__u32 keylen;
	__u32 flags;
	struct pkey_apqn __user *apqns;
	__u32 apqn_entries;	/* in: list size, out: entries stored */
};
#define PKEY_APQNS4K _IOWR(PKEY_IOCTL_MAGIC, 0x1B, struct pkey_apqns4key)

struct pkey_apqns4keytype {
	__u32 type;
	__u8 cur_mkvp[32];
	__u8 alt_mkvp[32];
	__u32 flags;
	struct pkey_apqn __user *apqns;
	__u32 apqn_entries;
};
#define PKEY_APQNS4KT _IOWR(PKEY_IOCTL_MAGIC, 0x1C, struct pkey_apqns4keytype)

#define PKEY_KBLOB2PROTK3 _IOWR(PKEY_IOCTL_MAGIC, 0x1D, struct pkey_kblob2pkey3)

/*
 * Key tokens (drivers/s390/crypto: keyblob header, protaeskeytoken,
 * clearkeytoken).  All packed.
 */
#define PKEY_TOKTYPE_NON_CCA		0x00
#define PKEY_TOKTYPE_CCA_INTERNAL	0x01
#define PKEY_TOKVER_PROTECTED_KEY	0x01
#define PKEY_TOKVER_CLEAR_KEY		0x02
#define PKEY_TOKVER_CCA_AES		0x04
#define PKEY_TOKVER_CCA_VLSC		0x05	/* CCA AESCIPHER */
#define PKEY_TOKVER_EP11_AES		0x03	/* header in the session field */
#define PKEY_TOKVER_EP11_AES_WITH_HEADER 0x06

struct pkey_keytoken_hdr {
	__u8 type;
	__u8 res0[3];
	__u8 version;
	__u8 res1[3];
} __attribute__((packed));

/* 80 bytes for one AES protected key (any size, zero padded) */
struct pkey_protaeskeytoken {
	__u8 type;		/* PKEY_TOKTYPE_NON_CCA */
	__u8 res0[3];
	__u8 version;		/* PKEY_TOKVER_PROTECTED_KEY */
	__u8 res1[3];
	__u32 keytype;		/* PKEY_KEYTYPE_AES_* */
	__u32 len;		/* bytes used in protkey[] */
	__u8 protkey[MAXPROTKEYSIZE];
} __attribute__((packed));

/*
 * A full-XTS protected-key token: header then 64 (XTS-128) or 96 (XTS-256)
 * key bytes, so 80 or 112 bytes in all.
 */
#define PKEY_FULLXTS_TOKEN_MAX	(16 + 96)

struct pkey_clearkeytoken {
	__u8 type;		/* PKEY_TOKTYPE_NON_CCA */
	__u8 res0[3];
	__u8 version;		/* PKEY_TOKVER_CLEAR_KEY */
	__u8 res1[3];
	__u32 keytype;
	__u32 len;		/* clear key bytes that follow */
	__u8 clearkey[];
} __attribute__((packed));

/* CCA AESDATA internal secure key token, 64 bytes */
struct pkey_secaeskeytoken {
	__u8 type;		/* PKEY_TOKTYPE_CCA_INTERNAL */
	__u8 res0[3];
	__u8 version;		/* PKEY_TOKVER_CCA_AES */
	__u8 res1[1];
	__u8 flag;
	__u8 res2[1];
	__u64 mkvp;		/* master key verification pattern */
	__u8 key[32];		/* key value, enciphered under the master key */
	__u8 cv[8];		/* control vector */
	__u16 bitsize;		/* key bit size */
	__u16 keysize;		/* key byte size */
	__u8 tvv[4];		/* token validation value */
} __attribute__((packed));

/*
 * CCA AESCIPHER (variable-length symmetric cipher) internal token: this
 * fixed part, then the variable part; len is the whole token.  The sysfs
 * ccacipher attributes and GENSECK2 make MAXAESCIPHERKEYSIZE-byte tokens.
 */
struct pkey_cipherkeytoken {
	__u8 type;		/* PKEY_TOKTYPE_CCA_INTERNAL */
	__u8 res0[1];
	__u16 len;
	__u8 version;		/* PKEY_TOKVER_CCA_VLSC */
	__u8 res1[3];
	__u8 kms;		/* 0x03: wrapped under the master key */
	__u8 kvpt;		/* 0x01 */
	__u64 mkvp0;		/* master key verification pattern */
	__u64 mkvp1;
	__u8 eskwm;
	__u8 hashalg;
	__u8 plfver;
	__u8 res2[1];
	__u8 adsver;
	__u8 res3[1];
	__u16 adslen;
	__u8 kllen;
	__u8 ieaslen;
	__u8 uadlen;
	__u8 res4[1];
	__u16 wpllen;		/* wrapped payload bits */
	__u8 res5[1];
	__u8 algtype;		/* 0x02: AES */
	__u16 keytype;		/* 0x0001: cipher */
	__u8 kufc;
	__u16 kuf1;
	__u16 kuf2;
	__u8 kmfc;
	__u16 kmf1;		/* 0x0800: exportable to CPACF */
	__u16 kmf2;
	__u16 kmf3;
	__u8 vdata[];
} __attribute__((packed));

/* The header of PKEY_TYPE_EP11_AES key blobs, before the EP11 blob */
struct pkey_ep11kblob_header {
	__u8 type;		/* PKEY_TOKTYPE_NON_CCA */
	__u8 hver;		/* 0x00 */
	__u16 len;		/* header and blob */
	__u8 version;		/* PKEY_TOKVER_EP11_AES_WITH_HEADER */
	__u8 res0;
	__u16 bitlen;		/* clear key bits */
	__u8 res1[8];
} __attribute__((packed));

/* The EP11 AES key blob (256 bytes) that follows the header */
#define PKEY_EP11_STRUCT_MAGIC		0x1234
#define PKEY_EP11_BLOB_PKEY_EXTRACTABLE	0x00200000
struct pkey_ep11keyblob {
	__u8 session[32];
	__u8 wkvp[16];		/* wrapping key verification pattern */
	__u64 attr;		/* PKEY_EP11_BLOB_PKEY_EXTRACTABLE, ... */
	__u64 mode;
	__u16 version;		/* PKEY_EP11_STRUCT_MAGIC */
	__u8 iv[14];
	__u8 encrypted_key_data[144];
	__u8 mac[32];
} __attribute__((packed));

#endif /* _UAPI_PKEYDM_PKEY_ABI_H */
