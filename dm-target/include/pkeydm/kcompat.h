/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where pkeydm's kernel modules adapt to the kernel they are
 * built against.  Supported: the 6.1 series (Debian 12) and the 6.12 series
 * (Debian 13, RHEL 10, SLES 16).  Every difference found by building and
 * testing against both lives here, so the rest of the code has no #if on a
 * kernel version.
 */
#ifndef _PKEYDM_KCOMPAT_H
#define _PKEYDM_KCOMPAT_H

#include <linux/version.h>

/* 6.12 moved the unaligned-access helpers out of asm/. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * cpacf_pcc() returns void up to and including the 6.12 series, so a WKVP
 * mismatch (condition code 1) would go unseen; paes_cpacf.h then issues PCC
 * itself.  The s390 protected-key rework merged for 6.16 made cpacf_pcc()
 * return the condition code.  Only the s390x build reads this.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define PKEYDM_CPACF_PCC_RETURNS_CC 1
#endif

#endif /* _PKEYDM_KCOMPAT_H */
