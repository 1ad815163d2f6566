/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rvcheck fixture: xchg and cmpxchg in the shape of mainline. As the Zacas/Zabha era (amocas,
 * amocas.b/h and amoswap.b/h picked at boot, else LR/SC loops masked for the narrow sizes), and a
 * 128-bit cmpxchg on amocas.q for 64-bit kernels built for Zacas: its halves travel in register
 * variables bound to the even-odd pairs the instruction reads.
 */
#ifndef _ASM_RISCV_CMPXCHG_H
#define _ASM_RISCV_CMPXCHG_H

#include <linux/bug.h>
#include <asm/alternative-macros.h>
#include <asm/fence.h>
#include <asm/hwcap.h>
#include <asm/cpufeature-macros.h>
#include <asm/processor.h>

/*
 * A byte or halfword inside its aligned word: the word, the shift and the mask that select it.
 * Values are masked after the shift, so a negative s8/s16 does not spill into its neighbours.
 */
#define __narrow_word(p)	((u32 *)((ulong)(p) & ~0x3))
#define __narrow_shift(p)	(((ulong)(p) & (0x4 - sizeof(*p))) * BITS_PER_BYTE)
#define __narrow_mask(p)	(GENMASK(((sizeof(*p)) * BITS_PER_BYTE) - 1, 0) << __narrow_shift(p))

#define __arch_xchg_narrow(sc_sfx, swap_sfx, prepend, sc_append,	\
			   swap_append, r, p, n)			\
({									\
	if (IS_ENABLED(CONFIG_RISCV_ISA_ZABHA) &&			\
	    riscv_has_extension_unlikely(RISCV_ISA_EXT_ZABHA)) {	\
		__asm__ __volatile__ (					\
			prepend						\
			"	.option push\n"				\
			"	.option arch, +zabha\n"			\
			"	amoswap" swap_sfx " %0, %z2, %1\n"	\
			"	.option pop\n"				\
			swap_append					\
			: "=&r" (r), "+A" (*(p))			\
			: "rJ" (n)					\
			: "memory");					\
	} else {							\
		u32 *__word = __narrow_word(p);				\
		ulong __shift = __narrow_shift(p);			\
		ulong __mask = __narrow_mask(p);			\
		ulong __newx = ((ulong)(n) << __shift) & __mask;	\
		ulong __retx;						\
		ulong __rc;						\
									\
		__asm__ __volatile__ (					\
			prepend						\
			PREFETCHW_ASM(%5)				\
			"0:	lr.w %0, %2\n"				\
			"	and  %1, %0, %z4\n"			\
			"	or   %1, %1, %z3\n"			\
			"	sc.w" sc_sfx " %1, %1, %2\n"		\
			"	bnez %1, 0b\n"				\
			sc_append					\
			: "=&r" (__retx), "=&r" (__rc), "+A" (*(__word)) \
			: "rJ" (__newx), "rJ" (~__mask), "rJ" (__word)	\
			: "memory");					\
									\
		r = (__typeof__(*(p)))((__retx & __mask) >> __shift);	\
	}								\
})

#define __arch_xchg(sfx, prepend, append, r, p, n)			\
({									\
	__asm__ __volatile__ (						\
		prepend							\
		"	amoswap" sfx " %0, %2, %1\n"			\
		append							\
		: "=r" (r), "+A" (*(p))					\
		: "r" (n)						\
		: "memory");						\
})

#define _arch_xchg(ptr, new, sc_sfx, swap_sfx, prepend,		\
		   sc_append, swap_append)				\
({									\
	__typeof__(ptr) __ptr = (ptr);					\
	__typeof__(*(__ptr)) __new = (new);				\
	__typeof__(*(__ptr)) __ret;					\
									\
	switch (sizeof(*__ptr)) {					\
	case 1:								\
		__arch_xchg_narrow(sc_sfx, ".b" swap_sfx, prepend,	\
				   sc_append, swap_append, __ret, __ptr, __new); \
		break;							\
	case 2:								\
		__arch_xchg_narrow(sc_sfx, ".h" swap_sfx, prepend,	\
				   sc_append, swap_append, __ret, __ptr, __new); \
		break;							\
	case 4:								\
		__arch_xchg(".w" swap_sfx, prepend, swap_append, __ret, __ptr, __new); \
		break;							\
	case 8:								\
		__arch_xchg(".d" swap_sfx, prepend, swap_append, __ret, __ptr, __new); \
		break;							\
	default:							\
		BUILD_BUG();						\
	}								\
	(__typeof__(*(__ptr)))__ret;					\
})

#define arch_xchg_relaxed(ptr, x)	_arch_xchg(ptr, x, "", "", "", "", "")
#define arch_xchg_acquire(ptr, x)	_arch_xchg(ptr, x, "", "", "", RISCV_ACQUIRE_BARRIER, RISCV_ACQUIRE_BARRIER)
#define arch_xchg_release(ptr, x)	_arch_xchg(ptr, x, "", "", RISCV_RELEASE_BARRIER, "", "")
#define arch_xchg(ptr, x)		_arch_xchg(ptr, x, ".rl", ".aqrl", "", RISCV_FULL_BARRIER, "")

/*
 * Compare-and-exchange: store NEW only if memory holds OLD; return what memory held. amocas
 * takes the compare value in its destination register and leaves the old value there.
 */
#define __arch_cmpxchg_narrow(sc_sfx, cas_sfx, sc_prepend, sc_append,	\
			      cas_prepend, cas_append, r, p, o, n)	\
({									\
	if (IS_ENABLED(CONFIG_RISCV_ISA_ZABHA) &&			\
	    IS_ENABLED(CONFIG_RISCV_ISA_ZACAS) &&			\
	    riscv_has_extension_unlikely(RISCV_ISA_EXT_ZABHA) &&	\
	    riscv_has_extension_unlikely(RISCV_ISA_EXT_ZACAS)) {	\
		r = o;							\
		__asm__ __volatile__ (					\
			cas_prepend					\
			"	.option push\n"				\
			"	.option arch, +zacas, +zabha\n"		\
			"	amocas" cas_sfx " %0, %z2, %1\n"	\
			"	.option pop\n"				\
			cas_append					\
			: "+&r" (r), "+A" (*(p))			\
			: "rJ" (n)					\
			: "memory");					\
	} else {							\
		u32 *__word = __narrow_word(p);				\
		ulong __shift = __narrow_shift(p);			\
		ulong __mask = __narrow_mask(p);			\
		ulong __newx = ((ulong)(n) << __shift) & __mask;	\
		ulong __oldx = ((ulong)(o) << __shift) & __mask;	\
		ulong __retx;						\
		ulong __rc;						\
									\
		__asm__ __volatile__ (					\
			sc_prepend					\
			"0:	lr.w %0, %2\n"				\
			"	and  %1, %0, %z5\n"			\
			"	bne  %1, %z3, 1f\n"			\
			"	and  %1, %0, %z6\n"			\
			"	or   %1, %1, %z4\n"			\
			"	sc.w" sc_sfx " %1, %1, %2\n"		\
			"	bnez %1, 0b\n"				\
			sc_append					\
			"1:\n"						\
			: "=&r" (__retx), "=&r" (__rc), "+A" (*(__word)) \
			: "rJ" ((long)__oldx), "rJ" (__newx),		\
			  "rJ" (__mask), "rJ" (~__mask)			\
			: "memory");					\
									\
		r = (__typeof__(*(p)))((__retx & __mask) >> __shift);	\
	}								\
})

#define __arch_cmpxchg(lr_sfx, sc_sfx, cas_sfx, sc_prepend, sc_append,	\
		       cas_prepend, cas_append, r, p, co, o, n)		\
({									\
	if (IS_ENABLED(CONFIG_RISCV_ISA_ZACAS) &&			\
	    riscv_has_extension_unlikely(RISCV_ISA_EXT_ZACAS)) {	\
		r = o;							\
		__asm__ __volatile__ (					\
			cas_prepend					\
			"	.option push\n"				\
			"	.option arch, +zacas\n"			\
			"	amocas" cas_sfx " %0, %z2, %1\n"	\
			"	.option pop\n"				\
			cas_append					\
			: "+&r" (r), "+A" (*(p))			\
			: "rJ" (n)					\
			: "memory");					\
	} else {							\
		register unsigned int __rc;				\
		__asm__ __volatile__ (					\
			sc_prepend					\
			"0:	lr" lr_sfx " %0, %2\n"			\
			"	bne  %0, %z3, 1f\n"			\
			"	sc" sc_sfx " %1, %z4, %2\n"		\
			"	bnez %1, 0b\n"				\
			sc_append					\
			"1:\n"						\
			: "=&r" (r), "=&r" (__rc), "+A" (*(p))		\
			: "rJ" (co o), "rJ" (n)				\
			: "memory");					\
	}								\
})

#define _arch_cmpxchg(ptr, old, new, sc_sfx, cas_sfx, sc_prepend,	\
		      sc_append, cas_prepend, cas_append)		\
({									\
	__typeof__(ptr) __ptr = (ptr);					\
	__typeof__(*(__ptr)) __old = (old);				\
	__typeof__(*(__ptr)) __new = (new);				\
	__typeof__(*(__ptr)) __ret;					\
									\
	switch (sizeof(*__ptr)) {					\
	case 1:								\
		__arch_cmpxchg_narrow(sc_sfx, ".b" cas_sfx, sc_prepend,	\
				      sc_append, cas_prepend, cas_append, \
				      __ret, __ptr, __old, __new);	\
		break;							\
	case 2:								\
		__arch_cmpxchg_narrow(sc_sfx, ".h" cas_sfx, sc_prepend,	\
				      sc_append, cas_prepend, cas_append, \
				      __ret, __ptr, __old, __new);	\
		break;							\
	case 4:								\
		__arch_cmpxchg(".w", ".w" sc_sfx, ".w" cas_sfx,	\
			       sc_prepend, sc_append, cas_prepend, cas_append, \
			       __ret, __ptr, (long)(int)(long), __old, __new); \
		break;							\
	case 8:								\
		__arch_cmpxchg(".d", ".d" sc_sfx, ".d" cas_sfx,	\
			       sc_prepend, sc_append, cas_prepend, cas_append, \
			       __ret, __ptr, /**/, __old, __new);	\
		break;							\
	default:							\
		BUILD_BUG();						\
	}								\
	(__typeof__(*(__ptr)))__ret;					\
})

/* Each ordering names its six pieces, so that a reader sees which barrier goes where. */
#define SC_SUFFIX(x)	x
#define CAS_SUFFIX(x)	x
#define BEFORE_SC(x)	x
#define AFTER_SC(x)	x
#define BEFORE_CAS(x)	x
#define AFTER_CAS(x)	x

#define arch_cmpxchg_relaxed(ptr, o, n)					\
	_arch_cmpxchg((ptr), (o), (n), SC_SUFFIX(""), CAS_SUFFIX(""),	\
		      BEFORE_SC(""), AFTER_SC(""),			\
		      BEFORE_CAS(""), AFTER_CAS(""))
#define arch_cmpxchg_acquire(ptr, o, n)					\
	_arch_cmpxchg((ptr), (o), (n), SC_SUFFIX(""), CAS_SUFFIX(""),	\
		      BEFORE_SC(""), AFTER_SC(RISCV_ACQUIRE_BARRIER),	\
		      BEFORE_CAS(""), AFTER_CAS(RISCV_ACQUIRE_BARRIER))
#define arch_cmpxchg_release(ptr, o, n)					\
	_arch_cmpxchg((ptr), (o), (n), SC_SUFFIX(""), CAS_SUFFIX(""),	\
		      BEFORE_SC(RISCV_RELEASE_BARRIER), AFTER_SC(""),	\
		      BEFORE_CAS(RISCV_RELEASE_BARRIER), AFTER_CAS(""))
#define arch_cmpxchg(ptr, o, n)						\
	_arch_cmpxchg((ptr), (o), (n), SC_SUFFIX(".rl"), CAS_SUFFIX(".aqrl"),	\
		      BEFORE_SC(""), AFTER_SC(RISCV_FULL_BARRIER),	\
		      BEFORE_CAS(""), AFTER_CAS(""))

#define arch_cmpxchg_local(ptr, o, n)	arch_cmpxchg_relaxed((ptr), (o), (n))

#if defined(CONFIG_64BIT) && defined(CONFIG_RISCV_ISA_ZACAS)

/* Callers ask first: without Zacas there is no 128-bit cmpxchg at all. */
#define system_has_cmpxchg128()	riscv_has_extension_unlikely(RISCV_ISA_EXT_ZACAS)

/* A 128-bit value and its two doubleword halves, low half first. */
union __cas128_halves {
	u128 whole;
	struct {
		u64 lo, hi;
	};
};

/*
 * amocas.q compares the pair t3:t4 with memory and swaps in t1:t2; the old value comes back in
 * t3:t4. Both pairs start at an even register, as the instruction requires.
 */
#define __arch_cmpxchg128(p, o, n, cas_sfx)				\
({									\
	__typeof__(*(p)) __expected = (o);				\
	union __cas128_halves __swap = { .whole = (n) };		\
	union __cas128_halves __compare = { .whole = (__expected) };	\
	register unsigned long __swap_lo asm ("t1") = __swap.lo;	\
	register unsigned long __swap_hi asm ("t2") = __swap.hi;	\
	register unsigned long __cmp_lo asm ("t3") = __compare.lo;	\
	register unsigned long __cmp_hi asm ("t4") = __compare.hi;	\
									\
	__asm__ __volatile__ (						\
		"	amocas.q" cas_sfx " %0, %z3, %2\n"		\
		: "+&r" (__cmp_lo), "+&r" (__cmp_hi), "+A" (*(p))	\
		: "rJ" (__swap_lo), "rJ" (__swap_hi)			\
		: "memory");						\
									\
	((u128)__cmp_hi << 64) | __cmp_lo;				\
})

#define arch_cmpxchg128(ptr, o, n)	__arch_cmpxchg128((ptr), (o), (n), ".aqrl")
#define arch_cmpxchg128_local(ptr, o, n)	__arch_cmpxchg128((ptr), (o), (n), "")

#endif /* CONFIG_64BIT && CONFIG_RISCV_ISA_ZACAS */

#endif /* _ASM_RISCV_CMPXCHG_H */
