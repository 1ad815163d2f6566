/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rvcheck fixture: atomic_t and atomic64_t in the shape of mainline. The arithmetic and logic
 * operations are single AMOs (the ordering in their annotation), the _return forms add the
 * operand to what the _fetch form returns, fetch_add_unless is an LR/SC loop, and xchg and
 * cmpxchg act on the counter through cmpxchg.h.
 */
#ifndef _ASM_RISCV_ATOMIC_H
#define _ASM_RISCV_ATOMIC_H

#ifdef CONFIG_GENERIC_ATOMIC64
# include <asm-generic/atomic64.h>
#else
# if (__riscv_xlen < 64)
#  error "rvcheck fixture: 64-bit atomics need XLEN 64"
# endif
#endif

#include <linux/types.h>
#include <asm/cmpxchg.h>
#include <asm/barrier.h>

static __always_inline int arch_atomic_read(const atomic_t *v)
{
	return READ_ONCE(v->counter);
}

static __always_inline void arch_atomic_set(atomic_t *v, int i)
{
	WRITE_ONCE(v->counter, i);
}

#ifndef CONFIG_GENERIC_ATOMIC64
static __always_inline s64 arch_atomic64_read(const atomic64_t *v)
{
	return READ_ONCE(v->counter);
}

static __always_inline void arch_atomic64_set(atomic64_t *v, s64 i)
{
	WRITE_ONCE(v->counter, i);
}
#endif

/* The operations without a result: one AMO whose old value goes to x0. */
#define ATOMIC_OP(op, asm_op, I, asm_type, c_type, prefix)		\
static __always_inline							\
void arch_atomic##prefix##_##op(c_type i, atomic##prefix##_t *v)	\
{									\
	__asm__ __volatile__ (						\
		"	amo" #asm_op "." #asm_type " zero, %1, %0"	\
		: "+A" (v->counter)					\
		: "r" (I)						\
		: "memory");						\
}

#ifndef CONFIG_GENERIC_ATOMIC64
#define ATOMIC_OPS(op, asm_op, I)					\
	ATOMIC_OP(op, asm_op, I, w, int,   )				\
	ATOMIC_OP(op, asm_op, I, d, s64, 64)
#else
#define ATOMIC_OPS(op, asm_op, I)					\
	ATOMIC_OP(op, asm_op, I, w, int,   )
#endif

ATOMIC_OPS(add, add,  i)
ATOMIC_OPS(sub, add, -i)
ATOMIC_OPS(and, and,  i)
ATOMIC_OPS( or,  or,  i)
ATOMIC_OPS(xor, xor,  i)

#undef ATOMIC_OP
#undef ATOMIC_OPS

/* The _fetch forms return the old value; their ordering is the AMO's annotation. */
#define ATOMIC_FETCH_OP(op, asm_op, I, asm_type, c_type, prefix, order, aq_rl)	\
static __always_inline							\
c_type arch_atomic##prefix##_fetch_##op##order(c_type i, atomic##prefix##_t *v)	\
{									\
	register c_type ret;						\
	__asm__ __volatile__ (						\
		"	amo" #asm_op "." #asm_type aq_rl " %1, %2, %0"	\
		: "+A" (v->counter), "=r" (ret)				\
		: "r" (I)						\
		: "memory");						\
	return ret;							\
}

/* The _return forms: what the _fetch form returned, with the operation applied once more. */
#define ATOMIC_OP_RETURN(op, c_op, I, c_type, prefix, order)		\
static __always_inline							\
c_type arch_atomic##prefix##_##op##_return##order(c_type i, atomic##prefix##_t *v)	\
{									\
	return arch_atomic##prefix##_fetch_##op##order(i, v) c_op I;	\
}

#define ATOMIC_FETCH_ORDERS(op, asm_op, I, asm_type, c_type, prefix)	\
	ATOMIC_FETCH_OP(op, asm_op, I, asm_type, c_type, prefix, _relaxed, "")	\
	ATOMIC_FETCH_OP(op, asm_op, I, asm_type, c_type, prefix, _acquire, ".aq")	\
	ATOMIC_FETCH_OP(op, asm_op, I, asm_type, c_type, prefix, _release, ".rl")	\
	ATOMIC_FETCH_OP(op, asm_op, I, asm_type, c_type, prefix, , ".aqrl")

#define ATOMIC_RETURN_ORDERS(op, c_op, I, c_type, prefix)		\
	ATOMIC_OP_RETURN(op, c_op, I, c_type, prefix, _relaxed)		\
	ATOMIC_OP_RETURN(op, c_op, I, c_type, prefix, _acquire)		\
	ATOMIC_OP_RETURN(op, c_op, I, c_type, prefix, _release)		\
	ATOMIC_OP_RETURN(op, c_op, I, c_type, prefix, )

#ifndef CONFIG_GENERIC_ATOMIC64
#define ATOMIC_OPS(op, asm_op, c_op, I)					\
	ATOMIC_FETCH_ORDERS(op, asm_op, I, w, int,   )			\
	ATOMIC_RETURN_ORDERS(op, c_op, I, int,   )			\
	ATOMIC_FETCH_ORDERS(op, asm_op, I, d, s64, 64)			\
	ATOMIC_RETURN_ORDERS(op, c_op, I, s64, 64)
#define ATOMIC_LOGIC_OPS(op, asm_op, I)					\
	ATOMIC_FETCH_ORDERS(op, asm_op, I, w, int,   )			\
	ATOMIC_FETCH_ORDERS(op, asm_op, I, d, s64, 64)
#else
#define ATOMIC_OPS(op, asm_op, c_op, I)					\
	ATOMIC_FETCH_ORDERS(op, asm_op, I, w, int,   )			\
	ATOMIC_RETURN_ORDERS(op, c_op, I, int,   )
#define ATOMIC_LOGIC_OPS(op, asm_op, I)					\
	ATOMIC_FETCH_ORDERS(op, asm_op, I, w, int,   )
#endif

ATOMIC_OPS(add, add, +,  i)
ATOMIC_OPS(sub, add, +, -i)
ATOMIC_LOGIC_OPS(and, and, i)
ATOMIC_LOGIC_OPS( or,  or, i)
ATOMIC_LOGIC_OPS(xor, xor, i)

#undef ATOMIC_OPS
#undef ATOMIC_LOGIC_OPS

/*
 * Adds a to the counter unless it holds u; returns what it held. Fully ordered when it adds. u is
 * compared with what lr.w sign-extends, so it goes in sign-extended too.
 */
static __always_inline int arch_atomic_fetch_add_unless(atomic_t *v, int a, int u)
{
	int prev, rc;

	__asm__ __volatile__ (
		"0:	lr.w     %[p],  %[c]\n"
		"	beq      %[p],  %[u], 1f\n"
		"	add      %[rc], %[p], %[a]\n"
		"	sc.w.aqrl  %[rc], %[rc], %[c]\n"
		"	bnez     %[rc], 0b\n"
		"1:\n"
		: [p]"=&r" (prev), [rc]"=&r" (rc), [c]"+A" (v->counter)
		: [a]"r" (a), [u]"r" ((long)u)
		: "memory");
	return prev;
}

/* xchg and cmpxchg on the counter: cmpxchg.h's, at its size. */
#define arch_atomic_xchg_relaxed(v, n)		arch_xchg_relaxed(&((v)->counter), (n))
#define arch_atomic_xchg_acquire(v, n)		arch_xchg_acquire(&((v)->counter), (n))
#define arch_atomic_xchg_release(v, n)		arch_xchg_release(&((v)->counter), (n))
#define arch_atomic_xchg(v, n)			arch_xchg(&((v)->counter), (n))
#define arch_atomic_cmpxchg_relaxed(v, o, n)	arch_cmpxchg_relaxed(&((v)->counter), (o), (n))
#define arch_atomic_cmpxchg_acquire(v, o, n)	arch_cmpxchg_acquire(&((v)->counter), (o), (n))
#define arch_atomic_cmpxchg_release(v, o, n)	arch_cmpxchg_release(&((v)->counter), (o), (n))
#define arch_atomic_cmpxchg(v, o, n)		arch_cmpxchg(&((v)->counter), (o), (n))

#endif /* _ASM_RISCV_ATOMIC_H */
