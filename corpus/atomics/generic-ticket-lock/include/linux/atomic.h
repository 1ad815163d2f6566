/* SPDX-License-Identifier: GPL-2.0 */
/* The generic atomic layer over the architecture's operations. */
#ifndef _LINUX_ATOMIC_H
#define _LINUX_ATOMIC_H

#include <asm/atomic.h>
#include <asm/barrier.h>

/* Spin until the condition on the counter (VAL) holds, with acquire ordering. */
#define atomic_cond_read_acquire(v, c) smp_cond_load_acquire(&(v)->counter, (c))
#define atomic_cond_read_relaxed(v, c) smp_cond_load_relaxed(&(v)->counter, (c))

#include <linux/atomic/atomic-arch-fallback.h>

#endif /* _LINUX_ATOMIC_H */
