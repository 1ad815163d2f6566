// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The queued lock's slow path. A second locker sets the pending byte and waits for the owner
 * to leave; a third queues on per-CPU nodes, each spinning on its own node.
 */
#include <linux/smp.h>
#include <linux/percpu.h>
#include <asm/qspinlock.h>
#include <asm-generic/mcs_spinlock.h>

#define _Q_TAIL_OFFSET		16
#define _Q_PENDING_LOOPS	1

struct qnode {
	struct mcs_spinlock mcs;
};

static DEFINE_PER_CPU_ALIGNED(struct qnode, qnodes[4]);

static __always_inline void clear_pending(struct qspinlock *lock)
{
	WRITE_ONCE(lock->pending, 0);
}

static __always_inline void clear_pending_set_locked(struct qspinlock *lock)
{
	WRITE_ONCE(lock->locked_pending, _Q_LOCKED_VAL);
}

static __always_inline u32 fetch_set_pending_acquire(struct qspinlock *lock)
{
	return atomic_fetch_or_acquire(_Q_PENDING_VAL, &lock->val);
}

void __lockfunc queued_spin_lock_slowpath(struct qspinlock *lock, u32 seen)
{
	struct mcs_spinlock *prev, *node;
	u32 old, tail;

	/* A pending locker is about to take over: give it a bounded while. */
	if (seen == _Q_PENDING_VAL) {
		int spins = _Q_PENDING_LOOPS;
		seen = atomic_cond_read_relaxed(&lock->val,
						(VAL != _Q_PENDING_VAL) || !spins--);
	}

	/* Anyone but the owner there: queue. */
	if (seen & ~_Q_LOCKED_MASK)
		goto queue;

	seen = fetch_set_pending_acquire(lock);

	/* Someone came first after all: undo the pending byte if it is ours, and queue. */
	if (unlikely(seen & ~_Q_LOCKED_MASK)) {
		if (!(seen & _Q_PENDING_MASK))
			clear_pending(lock);
		goto queue;
	}

	/* Pending: wait for the owner to leave, then take the lock and drop pending at once. */
	if (seen & _Q_LOCKED_MASK)
		smp_cond_load_acquire(&lock->locked, !VAL);

	clear_pending_set_locked(lock);
	return;

queue:
	node = this_cpu_ptr(&qnodes[0].mcs);
	tail = (smp_processor_id() + 1) << _Q_TAIL_OFFSET;
	node->locked = 0;
	node->next = NULL;
	smp_wmb();
	old = (u32)xchg_relaxed(&lock->tail, tail >> _Q_TAIL_OFFSET) << _Q_TAIL_OFFSET;
	if (old) {
		prev = per_cpu_ptr(&qnodes[0].mcs, (old >> _Q_TAIL_OFFSET) - 1);
		WRITE_ONCE(prev->next, node);
		smp_cond_load_acquire(&node->locked, VAL);
	}
	seen = atomic_cond_read_acquire(&lock->val, !(VAL & (_Q_LOCKED_MASK | _Q_PENDING_MASK)));
	if ((seen >> _Q_TAIL_OFFSET) << _Q_TAIL_OFFSET == tail &&
	    atomic_try_cmpxchg_relaxed(&lock->val, &seen, _Q_LOCKED_VAL))
		return;
	WRITE_ONCE(lock->locked, _Q_LOCKED_VAL);
	node = smp_cond_load_relaxed(&node->next, (VAL));
	smp_store_release(&node->locked, 1);
}
EXPORT_SYMBOL(queued_spin_lock_slowpath);
