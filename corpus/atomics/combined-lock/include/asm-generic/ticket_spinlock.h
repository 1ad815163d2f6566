/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ticket lock over the shared lock word: the next ticket in the upper half, drawn with a fully
 * ordered fetch-and-add; the owner in the lower half, advanced by a halfword store-release.
 */
#ifndef __ASM_GENERIC_TICKET_SPINLOCK_H
#define __ASM_GENERIC_TICKET_SPINLOCK_H

#include <linux/atomic.h>
#include <asm-generic/spinlock_types.h>

static __always_inline void ticket_spin_lock(arch_spinlock_t *lock)
{
	u32 drawn = atomic_fetch_add(1<<16, &lock->val);
	u16 mine = drawn >> 16;

	if (mine == (u16)drawn)
		return;

	atomic_cond_read_acquire(&lock->val, mine == (u16)VAL);
	smp_mb();
}

static __always_inline bool ticket_spin_trylock(arch_spinlock_t *lock)
{
	u32 seen = atomic_read(&lock->val);

	if ((seen >> 16) != (seen & 0xffff))
		return false;

	return atomic_try_cmpxchg(&lock->val, &seen, seen + (1<<16));
}

static __always_inline void ticket_spin_unlock(arch_spinlock_t *lock)
{
	u16 *owner = (u16 *)lock + IS_ENABLED(CONFIG_CPU_BIG_ENDIAN);
	u32 seen = atomic_read(&lock->val);

	smp_store_release(owner, (u16)seen + 1);
}

static __always_inline int ticket_spin_is_locked(arch_spinlock_t *lock)
{
	u32 seen = atomic_read(&lock->val);

	return (seen >> 16) != (seen & 0xffff);
}

#ifndef __no_arch_spinlock_redefine
#define arch_spin_lock(l)		ticket_spin_lock(l)
#define arch_spin_unlock(l)		ticket_spin_unlock(l)
#define arch_spin_trylock(l)		ticket_spin_trylock(l)
#define arch_spin_is_locked(l)		ticket_spin_is_locked(l)
#endif

#endif /* __ASM_GENERIC_TICKET_SPINLOCK_H */
