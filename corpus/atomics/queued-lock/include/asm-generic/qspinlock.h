/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The queued lock's fast paths: one compare-and-exchange takes a free lock, and clearing the
 * locked byte with release ordering frees it. Anything else goes to the slow path.
 */
#ifndef __ASM_GENERIC_QSPINLOCK_H
#define __ASM_GENERIC_QSPINLOCK_H

#include <asm-generic/qspinlock_types.h>
#include <linux/atomic.h>

#define _Q_LOCKED_VAL		(1U << 0)
#define _Q_LOCKED_MASK		0xffU
#define _Q_PENDING_VAL		(1U << 8)
#define _Q_PENDING_MASK		0xff00U

static __always_inline int queued_spin_is_locked(struct qspinlock *lock)
{
	return atomic_read(&lock->val);
}

static __always_inline int queued_spin_trylock(struct qspinlock *lock)
{
	int seen = atomic_read(&lock->val);

	if (unlikely(seen))
		return 0;
	return likely(atomic_try_cmpxchg_acquire(&lock->val, &seen, _Q_LOCKED_VAL));
}

extern void queued_spin_lock_slowpath(struct qspinlock *lock, u32 seen);

static __always_inline void queued_spin_lock(struct qspinlock *lock)
{
	int seen = 0;

	if (likely(atomic_try_cmpxchg_acquire(&lock->val, &seen, _Q_LOCKED_VAL)))
		return;
	queued_spin_lock_slowpath(lock, seen);
}

static __always_inline void queued_spin_unlock(struct qspinlock *lock)
{
	smp_store_release(&lock->locked, 0);
}

#define arch_spin_is_locked(l)		queued_spin_is_locked(l)
#define arch_spin_lock(l)		queued_spin_lock(l)
#define arch_spin_trylock(l)		queued_spin_trylock(l)
#define arch_spin_unlock(l)		queued_spin_unlock(l)

#endif /* __ASM_GENERIC_QSPINLOCK_H */
