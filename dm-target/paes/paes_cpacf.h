/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-paes backend: the one place where the real CPACF (s390) and the
 * pkey_emu firmware emulation (everywhere else) differ.
 *
 * paes_km()    - KM: returns bytes processed; < len means WKVP mismatch.
 * paes_pcc()   - PCC: returns 0 ok, 1 WKVP mismatch.
 * paes_query() - is the KM/PCC function code available?
 *
 * Parameter blocks (packed; XTS tweaks in IEEE 1619 byte order):
 *   two-key PCC:  { key[kl+32]; tweak[16]; block[16]; bit[16]; xts[16]; }
 *   two-key KM:   { key[kl+32]; init[16]; }
 *   full-key KM:  { key[2*kl]; tweak[16]; nap[16]; wkvp[32]; }
 * where kl is 16 or 32 and key[] holds the wrapped key followed, for the
 * two-key forms, by its 32-byte WKVP.
 */
#ifndef _PAES_CPACF_H
#define _PAES_CPACF_H

#include <linux/types.h>

#define PAES_KM_PXTS_128	0x3a
#define PAES_KM_PXTS_256	0x3c
#define PAES_KM_PXTS_128_FULL	0x5a
#define PAES_KM_PXTS_256_FULL	0x5c
#define PAES_DECRYPT		0x80

#ifdef CONFIG_S390
#include <asm/cpacf.h>
#include <pkeydm/kcompat.h>

static inline int paes_km(unsigned long func, void *param, u8 *dest,
			  const u8 *src, long src_len)
{
	return cpacf_km(func, param, dest, src, src_len);
}

#ifdef PKEYDM_CPACF_PCC_RETURNS_CC
static inline int paes_pcc(unsigned long func, void *param)
{
	return cpacf_pcc(func, param);
}
#else
/*
 * This kernel's cpacf_pcc() returns void, so a WKVP mismatch (cc 1) would
 * go unseen and leave garbage in the tweak.  Issue PCC ourselves, retry on
 * partial completion (cc 3) like cpacf.h does, and return the cc.
 */
static inline int paes_pcc(unsigned long func, void *param)
{
	int cc;

	asm volatile(
		"	lgr	0,%[fc]\n"
		"	lgr	1,%[pba]\n"
		"0:	.insn	rre,%[opc] << 16,0,0\n"
		"	brc	1,0b\n"
		"	ipm	%[cc]\n"
		"	srl	%[cc],28\n"
		: [cc] "=d" (cc)
		: [fc] "d" (func), [pba] "d" ((unsigned long)param),
		  [opc] "i" (CPACF_PCC)
		: "cc", "memory", "0", "1");
	return cc;
}
#endif

static inline bool paes_query(unsigned long func)
{
	return cpacf_query_func(CPACF_KM, func) &&
	       (func >= PAES_KM_PXTS_128_FULL ||
		cpacf_query_func(CPACF_PCC, func));
}

#else /* !CONFIG_S390: the pkey_emu firmware emulation */
#include <pkeydm/pkey_emu.h>

static inline int paes_km(unsigned long func, void *param, u8 *dest,
			  const u8 *src, long src_len)
{
	return pkey_emu_km(func, param, dest, src, src_len);
}

static inline int paes_pcc(unsigned long func, void *param)
{
	return pkey_emu_pcc(func, param);
}

static inline bool paes_query(unsigned long func)
{
	return pkey_emu_query(func);
}
#endif

#endif /* _PAES_CPACF_H */
