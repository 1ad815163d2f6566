/* SPDX-License-Identifier: GPL-2.0 */
/* The layer's functions, each from the architecture's operation or from a compare-and-exchange. */
#ifndef _LINUX_ATOMIC_FALLBACK_H
#define _LINUX_ATOMIC_FALLBACK_H

static __always_inline int raw_atomic_read(const atomic_t *v)
{
	return arch_atomic_read(v);
}

static __always_inline int raw_atomic_fetch_add_relaxed(int i, atomic_t *v)
{
	return arch_atomic_fetch_add_relaxed(i, v);
}

static __always_inline int raw_atomic_fetch_add(int i, atomic_t *v)
{
	return arch_atomic_fetch_add(i, v);
}

static __always_inline int raw_atomic_fetch_or_acquire(int i, atomic_t *v)
{
	return arch_atomic_fetch_or_acquire(i, v);
}

static __always_inline bool raw_atomic_try_cmpxchg(atomic_t *v, int *old, int new)
{
	int expected = *old;
	int found = arch_atomic_cmpxchg(v, expected, new);

	if (unlikely(found != expected))
		*old = found;
	return likely(found == expected);
}

static __always_inline bool raw_atomic_try_cmpxchg_acquire(atomic_t *v, int *old, int new)
{
	int expected = *old;
	int found = arch_atomic_cmpxchg_acquire(v, expected, new);

	if (unlikely(found != expected))
		*old = found;
	return likely(found == expected);
}

static __always_inline bool raw_atomic_try_cmpxchg_relaxed(atomic_t *v, int *old, int new)
{
	int expected = *old;
	int found = arch_atomic_cmpxchg_relaxed(v, expected, new);

	if (unlikely(found != expected))
		*old = found;
	return likely(found == expected);
}

#endif /* _LINUX_ATOMIC_FALLBACK_H */
