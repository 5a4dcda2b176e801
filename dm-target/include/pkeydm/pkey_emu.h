/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pkey_emu: the emulated IBM Z firmware (CPACF protected-key functions) that
 * pkey_emu.ko exports to dm-paes on machines without s390 hardware.
 *
 * The functions have the shapes of <asm/cpacf.h> and the parameter blocks
 * and results of the real instructions, so dm-paes has one code path:
 *
 *  - pkey_emu_km(func, param, dst, src, len) returns the number of bytes
 *    processed; fewer than @len means the WKVP in the parameter block no
 *    longer matches the current wrapping key (KM condition code 1).  The
 *    XTS state in the parameter block is updated to follow the last byte
 *    processed, so the caller resumes at that offset with the same block.
 *  - pkey_emu_pcc(func, param) returns 0 on success and 1 on a WKVP
 *    mismatch (PCC condition code 1).
 *  - pkey_emu_query(func) tells whether a KM function code is emulated.
 *
 * All three may be called in process and softirq context, never sleep and
 * never allocate.  This is a development and CI backend, not a security
 * boundary: the wrapping key lives in ordinary kernel memory.
 */
#ifndef _PKEY_EMU_H
#define _PKEY_EMU_H

#include <linux/types.h>

/* KM / PCC function codes, as in <asm/cpacf.h> */
#define PKEY_EMU_KM_PXTS_128		0x3a
#define PKEY_EMU_KM_PXTS_256		0x3c
#define PKEY_EMU_KM_PXTS_128_FULL	0x5a
#define PKEY_EMU_KM_PXTS_256_FULL	0x5c
#define PKEY_EMU_DECRYPT		0x80

int pkey_emu_km(unsigned long func, void *param, u8 *dest, const u8 *src,
		long src_len);
int pkey_emu_pcc(unsigned long func, void *param);
bool pkey_emu_query(unsigned long func);

#endif /* _PKEY_EMU_H */
