/* SPDX-License-Identifier: GPL-2.0-only */
/* rvcheck fixture: the lock word of the test-and-set era, written for the atomics prover. */
#ifndef _ASM_RISCV_SPINLOCK_TYPES_H
#define _ASM_RISCV_SPINLOCK_TYPES_H

#ifndef __LINUX_SPINLOCK_TYPES_H
# error "included only through linux/spinlock_types.h"
#endif

/* 0: free; anything else: held. */
typedef struct {
	volatile unsigned int lock;
} arch_spinlock_t;

#define __ARCH_SPIN_LOCK_UNLOCKED	{ 0 }

#endif /* _ASM_RISCV_SPINLOCK_TYPES_H */
