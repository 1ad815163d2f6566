/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rvcheck fixture: xchg and cmpxchg in the shape of the first RISC-V port: ordering carried by
 * .aq/.rl/.aqrl on the AMO and on the LR and SC themselves, no fences, names without the arch_
 * prefix, 32- and 64-bit objects only.
 */
#ifndef _ASM_RISCV_CMPXCHG_H
#define _ASM_RISCV_CMPXCHG_H

#include <linux/bug.h>
#include <asm/barrier.h>

#define __xchg(new, ptr, size, order)					\
({									\
	__typeof__(ptr) __ptr = (ptr);					\
	__typeof__(new) __new = (new);					\
	__typeof__(*(ptr)) __ret;					\
	switch (size) {							\
	case 4:								\
		__asm__ __volatile__ (					\
			"amoswap.w" order " %0, %2, %1"			\
			: "=r" (__ret), "+A" (*__ptr)			\
			: "r" (__new)					\
			: "memory");					\
		break;							\
	case 8:								\
		__asm__ __volatile__ (					\
			"amoswap.d" order " %0, %2, %1"			\
			: "=r" (__ret), "+A" (*__ptr)			\
			: "r" (__new)					\
			: "memory");					\
		break;							\
	default:							\
		BUILD_BUG();						\
	}								\
	__ret;								\
})

#define xchg_relaxed(ptr, x)	((__typeof__(*(ptr))) __xchg((x), (ptr), sizeof(*(ptr)), ""))
#define xchg_acquire(ptr, x)	((__typeof__(*(ptr))) __xchg((x), (ptr), sizeof(*(ptr)), ".aq"))
#define xchg_release(ptr, x)	((__typeof__(*(ptr))) __xchg((x), (ptr), sizeof(*(ptr)), ".rl"))
#define xchg(ptr, x)		((__typeof__(*(ptr))) __xchg((x), (ptr), sizeof(*(ptr)), ".aqrl"))

/*
 * Compare-and-exchange: the LR takes the acquire half of the ordering, the SC the release half.
 * The 32-bit compare value is sign-extended as lr.w extends what it loads.
 */
#define __cmpxchg(ptr, old, new, size, lr_order, sc_order)		\
({									\
	__typeof__(ptr) __ptr = (ptr);					\
	__typeof__(*(ptr)) __old = (old);				\
	__typeof__(*(ptr)) __new = (new);				\
	__typeof__(*(ptr)) __ret;					\
	register unsigned int __rc;					\
	switch (size) {							\
	case 4:								\
		__asm__ __volatile__ (					\
			"0:\n"						\
			"lr.w" lr_order " %0, %2\n"			\
			"bne  %0, %z3, 1f\n"				\
			"sc.w" sc_order " %1, %z4, %2\n"		\
			"bnez %1, 0b\n"					\
			"1:\n"						\
			: "=&r" (__ret), "=&r" (__rc), "+A" (*__ptr)	\
			: "rJ" ((long)(int)__old), "rJ" (__new)		\
			: "memory");					\
		break;							\
	case 8:								\
		__asm__ __volatile__ (					\
			"0:\n"						\
			"lr.d" lr_order " %0, %2\n"			\
			"bne  %0, %z3, 1f\n"				\
			"sc.d" sc_order " %1, %z4, %2\n"		\
			"bnez %1, 0b\n"					\
			"1:\n"						\
			: "=&r" (__ret), "=&r" (__rc), "+A" (*__ptr)	\
			: "rJ" (__old), "rJ" (__new)			\
			: "memory");					\
		break;							\
	default:							\
		BUILD_BUG();						\
	}								\
	__ret;								\
})

#define cmpxchg_relaxed(ptr, o, n)					\
	((__typeof__(*(ptr))) __cmpxchg((ptr), (o), (n), sizeof(*(ptr)), "", ""))
#define cmpxchg_acquire(ptr, o, n)					\
	((__typeof__(*(ptr))) __cmpxchg((ptr), (o), (n), sizeof(*(ptr)), ".aq", ""))
#define cmpxchg_release(ptr, o, n)					\
	((__typeof__(*(ptr))) __cmpxchg((ptr), (o), (n), sizeof(*(ptr)), "", ".rl"))
#define cmpxchg(ptr, o, n)						\
	((__typeof__(*(ptr))) __cmpxchg((ptr), (o), (n), sizeof(*(ptr)), ".aqrl", ".aqrl"))

#endif /* _ASM_RISCV_CMPXCHG_H */
