/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The port builds the ticket lock, the queued lock, or both; with both, a static key set at boot
 * picks the queued lock where the hart's atomics make it fair, the ticket lock elsewhere.
 */
#ifndef __ASM_RISCV_SPINLOCK_H
#define __ASM_RISCV_SPINLOCK_H

#ifdef CONFIG_RISCV_COMBO_SPINLOCKS

#define __no_arch_spinlock_redefine
#include <asm/ticket_spinlock.h>
#include <asm/qspinlock.h>
#include <asm/jump_label.h>

DECLARE_STATIC_KEY_TRUE(qspinlock_key);

#define LOCK_OP_PICKED_AT_BOOT(op, type, argument)			\
static __always_inline type arch_spin_##op(argument lock)		\
{									\
	if (static_branch_unlikely(&qspinlock_key))			\
		return queued_spin_##op(lock);				\
	return ticket_spin_##op(lock);					\
}

LOCK_OP_PICKED_AT_BOOT(lock, void, arch_spinlock_t *)
LOCK_OP_PICKED_AT_BOOT(unlock, void, arch_spinlock_t *)
LOCK_OP_PICKED_AT_BOOT(is_locked, int, arch_spinlock_t *)
LOCK_OP_PICKED_AT_BOOT(trylock, bool, arch_spinlock_t *)

#elif defined(CONFIG_RISCV_QUEUED_SPINLOCKS)

#include <asm/qspinlock.h>

#else

#include <asm/ticket_spinlock.h>

#endif

#endif /* __ASM_RISCV_SPINLOCK_H */
