// SPDX-License-Identifier: GPL-2.0
/*
 * A small rvcheck fixture in the shape of mainline's vcpu_onereg.c: the ISA_EXT setter calls the
 * host bit guest_ext and tests the host check's result through a variable.
 */

#include <linux/kvm_host.h>
#include <asm/kvm_isa.h>

static int riscv_vcpu_set_isa_ext_single(struct kvm_vcpu *vcpu,
					 unsigned long reg_num,
					 unsigned long reg_val)
{
	unsigned long guest_ext;
	int ret;

	ret = __kvm_riscv_isa_check_host(reg_num, &guest_ext);
	if (ret)
		return ret;

	if (reg_val == test_bit(guest_ext, vcpu->arch.isa))
		return 0;

	if (!vcpu->arch.ran_atleast_once) {
		/* All multi-letter extensions and a few single letter ones can be disabled */
		if (reg_val == 1 && kvm_riscv_isa_enable_allowed(reg_num))
			set_bit(guest_ext, vcpu->arch.isa);
		else if (!reg_val && kvm_riscv_isa_disable_allowed(reg_num))
			clear_bit(guest_ext, vcpu->arch.isa);
		else
			return -EINVAL;
		kvm_riscv_vcpu_fp_reset(vcpu);
	} else {
		return -EBUSY;
	}

	return 0;
}

/* MULTI_EN and MULTI_DIS: each set bit of the word is one SINGLE call, its result dropped. */
static int riscv_vcpu_set_isa_ext_multi(struct kvm_vcpu *vcpu,
					unsigned long reg_num,
					unsigned long reg_val,
					bool enable)
{
	unsigned long i, ext_id;

	if (reg_num > KVM_REG_RISCV_ISA_MULTI_REG_LAST)
		return -ENOENT;

	for_each_set_bit(i, &reg_val, BITS_PER_LONG) {
		ext_id = i + reg_num * BITS_PER_LONG;
		if (ext_id >= KVM_RISCV_ISA_EXT_MAX)
			break;

		riscv_vcpu_set_isa_ext_single(vcpu, ext_id, enable);
	}

	return 0;
}
