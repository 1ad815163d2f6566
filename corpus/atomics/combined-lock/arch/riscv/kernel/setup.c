// SPDX-License-Identifier: GPL-2.0-only
/*
 * Boot-time setup, reduced to the choice of lock: the queued lock needs a fair way to exchange
 * a halfword (Zabha with Zacas) or a forward-progress guarantee for LR/SC (Ziccrse); without
 * either, the combined build falls back to the ticket lock.
 */
#include <linux/init.h>
#include <linux/printk.h>
#include <asm/cpufeature.h>

#ifdef CONFIG_SMP
static unsigned int boot_harts = 2;
#endif

static void __init riscv_spinlock_init(void)
{
	char *why = NULL;

	if (IS_ENABLED(CONFIG_RISCV_TICKET_SPINLOCKS)) {
		pr_info("ticket lock\n");
		return;
	}

	if (IS_ENABLED(CONFIG_RISCV_ISA_ZABHA) &&
	    IS_ENABLED(CONFIG_RISCV_ISA_ZACAS) &&
	    riscv_isa_extension_available(NULL, ZABHA) &&
	    riscv_isa_extension_available(NULL, ZACAS)) {
		why = "Zabha";
	} else if (riscv_isa_extension_available(NULL, ZICCRSE)) {
		why = "Ziccrse";
	}
#if defined(CONFIG_RISCV_COMBO_SPINLOCKS)
	else {
		static_branch_disable(&qspinlock_key);
		pr_info("ticket lock\n");
		return;
	}
#endif

	if (!why)
		pr_err("queued lock without Zabha or Ziccrse\n");
	else
		pr_info("queued lock using %s\n", why);
}

void __init setup_arch(char **cmdline_p)
{
	riscv_spinlock_init();
}
