// SPDX-License-Identifier: GPL-2.0
/* A small rvcheck fixture in the shape of the 2026 vcpu_onereg.c: the ISA_EXT setter. */

#include <linux/kvm_host.h>
#include <asm/kvm_isa.h>

static int riscv_vcpu_set_isa_ext_single(struct kvm_vcpu *vcpu,
					 unsigned long reg_num,
					 unsigned long reg_val)
{
	unsigned long host_isa_ext;

	if (reg_num >= KVM_RISCV_ISA_EXT_MAX ||
	    reg_num >= ARRAY_SIZE(kvm_isa_ext_arr))
		return -ENOENT;

	if (__kvm_riscv_isa_check_host(reg_num, &host_isa_ext))
		return -ENOENT;

	if (reg_val == test_bit(host_isa_ext, vcpu->arch.isa))
		return 0;

	if (!vcpu->arch.ran_atleast_once) {
		/* All multi-letter extensions and a few single letter ones can be disabled */
		if (reg_val == 1 && kvm_riscv_isa_enable_allowed(reg_num))
			set_bit(host_isa_ext, vcpu->arch.isa);
		else if (!reg_val && kvm_riscv_isa_disable_allowed(reg_num))
			clear_bit(host_isa_ext, vcpu->arch.isa);
		else
			return -EINVAL;
	} else {
		return -EBUSY;
	}

	return 0;
}
