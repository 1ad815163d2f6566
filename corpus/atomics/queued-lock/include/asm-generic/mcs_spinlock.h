/* SPDX-License-Identifier: GPL-2.0 */
/* A waiter's node in the queue: the next waiter, and the flag its predecessor sets. */
#ifndef __ASM_MCS_SPINLOCK_H
#define __ASM_MCS_SPINLOCK_H

struct mcs_spinlock {
	struct mcs_spinlock *next;
	int locked;
	int count;
};

#endif /* __ASM_MCS_SPINLOCK_H */
