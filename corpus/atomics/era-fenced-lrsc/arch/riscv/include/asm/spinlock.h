/* SPDX-License-Identifier: GPL-2.0-only */
/* rvcheck fixture: the test-and-set spinlock of the era before the generic ticket lock. */
#ifndef _ASM_RISCV_SPINLOCK_H
#define _ASM_RISCV_SPINLOCK_H

#include <asm/fence.h>
#include <asm/barrier.h>

#define arch_spin_is_locked(l)	(READ_ONCE((l)->lock) != 0)

/* Releasing writes 0 after every earlier access. */
static inline void arch_spin_unlock(arch_spinlock_t *lock)
{
	smp_store_release(&lock->lock, 0);
}

/* One swap of 1 into the word: taken when it held 0; acquire ordering after it. */
static inline int arch_spin_trylock(arch_spinlock_t *lock)
{
	int one = 1, held;

	__asm__ __volatile__ (
		"	amoswap.w %0, %2, %1\n"
		RISCV_ACQUIRE_BARRIER
		: "=r" (held), "+A" (lock->lock)
		: "r" (one)
		: "memory");

	return !held;
}

/* Spin on plain reads while the lock is held, then try to take it. */
static inline void arch_spin_lock(arch_spinlock_t *lock)
{
	while (1) {
		if (arch_spin_is_locked(lock))
			continue;

		if (arch_spin_trylock(lock))
			break;
	}
}

#endif /* _ASM_RISCV_SPINLOCK_H */
