/* SPDX-License-Identifier: GPL-2.0 */
/* One word both locks share: the whole as a counter, or its bytes and halves by their roles. */
#ifndef __ASM_GENERIC_QSPINLOCK_TYPES_H
#define __ASM_GENERIC_QSPINLOCK_TYPES_H

#include <linux/types.h>

typedef struct qspinlock {
	union {
		atomic_t val;
#ifdef __LITTLE_ENDIAN
		struct {
			u8	locked;
			u8	pending;
		};
		struct {
			u16	locked_pending;
			u16	tail;
		};
#else
		struct {
			u16	tail;
			u16	locked_pending;
		};
		struct {
			u8	unused[2];
			u8	pending;
			u8	locked;
		};
#endif
	};
} arch_spinlock_t;

#endif /* __ASM_GENERIC_QSPINLOCK_TYPES_H */
