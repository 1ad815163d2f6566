/// What the Linux-kernel memory model knows of an event of a C test beyond read, write or fence:
/// the classes of `linux-kernel.bell` and `lock.cat`.
struct KernelEventTag {
  /// How an access is marked: a plain C access, `READ_ONCE`/`WRITE_ONCE`, an acquire load, a release
  /// store, or the read of an RMW that returns nothing (`atomic_inc`: the bell's `noreturn`).
  enum Access { case plain, once, acquire, release, noreturn }

  /// The bell's barrier kinds (`smp_mb()` is `mb`, `smp_mb__after_atomic()` is `afterAtomic`, …).
  enum Fence {
    case mb, rmb, wmb, beforeAtomic, afterAtomic, afterSpinlock, afterUnlockLock, barrier, rcuLock, rcuUnlock
    /// `synchronize_rcu()`: an RCU grace period.
    case syncRCU
    /// `smp_mb__after_srcu_read_unlock()`: with the `srcu_read_unlock()` before it, a full barrier.
    case afterSRCUUnlock
  }

  /// The bell's SRCU events: `srcu_read_lock()`, `srcu_read_unlock()` and `synchronize_srcu()`.
  /// Each names its `srcu_struct`, and is no memory access (the model's `__srcu` events).
  enum SRCU { case lock, unlock, synchronize }

  /// A lock's events: `spin_lock()` reads (LKR) and writes (LKW) the lock as one RMW,
  /// `spin_unlock()` writes it (UL), `spin_trylock()` reads it and on success is an LKR, and
  /// `spin_is_locked()` only reads it.
  enum Lock { case lockRead, lockWrite, unlock, tryRead, isLocked }

  var access = Access.once
  var fence: Fence?
  var lock: Lock?
  var srcu: SRCU?
  /// Part of an atomic RMW primitive (the bell's RMW class), whether or not it succeeds: a failed
  /// `cmpxchg` is still an RMW for `smp_mb__after_atomic()`.
  var atomicOperation = false
  /// When the event is what its annotation says only on success: the read of an acquire
  /// `cmpxchg` acquires, and a trylock's read is an LKR, only if the operation succeeds.
  var onlyWhen: Formula?
  /// For an `rcu_read_unlock()` or `srcu_read_unlock()`: the lock it closes (the bell's `rcu-rscs`
  /// and `srcu-rscs`).
  var openingLock: Int?
}
