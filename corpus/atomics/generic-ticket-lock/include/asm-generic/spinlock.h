/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fair lock from one atomic word. Taking it draws the next ticket with a
 * fully ordered fetch-and-add of the upper half; the taker waits until the
 * lower half, the owner, shows its ticket. Releasing it stores the following
 * owner into the lower half alone, so a ticket drawn meanwhile is kept.
 */
#ifndef __ASM_GENERIC_SPINLOCK_H
#define __ASM_GENERIC_SPINLOCK_H

#include <linux/atomic.h>
#include <asm-generic/spinlock_types.h>

static __always_inline void arch_spin_lock(arch_spinlock_t *lock)
{
	u32 drawn = atomic_fetch_add(1<<16, lock);
	u16 mine = drawn >> 16;

	if (mine == (u16)drawn)
		return;

	/* Waiting reads are ordered after by a control dependency; a full fence makes the lock RCsc. */
	atomic_cond_read_acquire(lock, mine == (u16)VAL);
	smp_mb();
}

static __always_inline bool arch_spin_trylock(arch_spinlock_t *lock)
{
	u32 seen = atomic_read(lock);

	if ((seen >> 16) != (seen & 0xffff))
		return false;

	return atomic_try_cmpxchg(lock, &seen, seen + (1<<16));
}

static __always_inline void arch_spin_unlock(arch_spinlock_t *lock)
{
	u16 *owner = (u16 *)lock + IS_ENABLED(CONFIG_CPU_BIG_ENDIAN);
	u32 seen = atomic_read(lock);

	smp_store_release(owner, (u16)seen + 1);
}

static __always_inline int arch_spin_value_unlocked(arch_spinlock_t lock)
{
	u32 word = lock.counter;

	return ((word >> 16) == (word & 0xffff));
}

static __always_inline int arch_spin_is_locked(arch_spinlock_t *lock)
{
	arch_spinlock_t seen = READ_ONCE(*lock);

	return !arch_spin_value_unlocked(seen);
}

#endif /* __ASM_GENERIC_SPINLOCK_H */
