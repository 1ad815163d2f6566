import Foundation

/// Which spinlock a tree's RISC-V port builds, read from its files: what `spin_lock()` and
/// `spin_unlock()` of a compiled C test become.
///
/// Only the port's own test-and-set lock (an `amoswap.w` loop, its own `spinlock.h` and
/// `spinlock_types.h`, as before v6.0) compiles. The generic ticket lock unlocks with a 16-bit
/// store into the 32-bit lock word, and RVWMO's executions here have no mixed-size accesses; the
/// later combined queued and ticket locks choose at boot through a static key.
enum TreeSpinlocks: Equatable, Sendable {
  case testAndSet
  /// Not compiled, and why.
  case notCompiled(String)

  init(root: String) {
    let asm = (root as NSString).appendingPathComponent("arch/riscv/include/asm")
    func exists(_ name: String) -> Bool {
      FileManager.default.fileExists(atPath: (asm as NSString).appendingPathComponent(name))
    }
    let kbuild =
      (try? String(contentsOfFile: (asm as NSString).appendingPathComponent("Kbuild"), encoding: .utf8)) ?? ""
    let generic = kbuild.split(separator: "\n").contains {
      $0.split(whereSeparator: \.isWhitespace).starts(with: ["generic-y", "+=", "spinlock.h"])
    }
    if exists("spinlock.h") && exists("spinlock_types.h") {
      self = .testAndSet
    } else if generic {
      self = .notCompiled(
        "the tree's lock is the generic ticket lock, whose unlock stores 16 bits into the 32-bit lock word (mixed-size accesses are not modelled)"
      )
    } else if exists("spinlock.h") {
      self = .notCompiled(
        "the tree's spinlock.h builds a queued or a ticket lock (by configuration, or at boot through a static key), which rvcheck does not compile"
      )
    } else {
      self = .notCompiled("the tree has no RISC-V spinlock.h")
    }
  }

  /// The unit's lines that define the test-and-set lock's wrappers. `smp_store_release` and
  /// `smp_load_acquire` are the tree's `__smp_*` forms, as `asm-generic/barrier.h` (not read)
  /// defines them on SMP.
  static let unitLines = """
    #if !defined(smp_store_release) && defined(__smp_store_release)
    #define smp_store_release(p, v) __smp_store_release(p, v)
    #endif
    #if !defined(smp_load_acquire) && defined(__smp_load_acquire)
    #define smp_load_acquire(p) __smp_load_acquire(p)
    #endif
    #define __LINUX_SPINLOCK_TYPES_H
    #include <asm/spinlock_types.h>
    #include <asm/spinlock.h>
    static inline void __rvcheck_spin_lock(arch_spinlock_t *p) { arch_spin_lock(p); }
    static inline void __rvcheck_spin_unlock(arch_spinlock_t *p) { arch_spin_unlock(p); }
    static inline int __rvcheck_spin_is_locked(arch_spinlock_t *p) { return arch_spin_is_locked(p); }
    static inline int __rvcheck_spin_trylock(arch_spinlock_t *p) { return arch_spin_trylock(p); }
    #if defined(smp_mb__after_spinlock)
    static inline void __rvcheck_mb_after_spinlock(arch_spinlock_t *p) { smp_mb__after_spinlock(); }
    #endif

    """

  /// The wrapper of a C test's lock call, by the call's name.
  static let wrappers = [
    "spin_lock": "__rvcheck_spin_lock", "spin_unlock": "__rvcheck_spin_unlock",
    "spin_is_locked": "__rvcheck_spin_is_locked", "spin_trylock": "__rvcheck_spin_trylock",
  ]
  /// `smp_mb__after_spinlock()`'s wrapper: the port's own definition (its `asm/barrier.h`).
  static let afterSpinlock = "__rvcheck_mb_after_spinlock"

  /// Whether `tests` call a lock function the wrappers compile.
  static func used(in tests: [KernelLitmusTest]) -> Bool {
    tests.contains { test in test.threads.contains { !$0.calledFunctions.isDisjoint(with: wrappers.keys) } }
  }
}
