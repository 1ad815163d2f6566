/* SPDX-License-Identifier: GPL-2.0 */
/* A ticket lock is one atomic word: the next ticket above, the owner's below. */
#ifndef __ASM_GENERIC_SPINLOCK_TYPES_H
#define __ASM_GENERIC_SPINLOCK_TYPES_H

#include <linux/types.h>
typedef atomic_t arch_spinlock_t;

#define __ARCH_SPIN_LOCK_UNLOCKED	ATOMIC_INIT(0)

#endif /* __ASM_GENERIC_SPINLOCK_TYPES_H */
