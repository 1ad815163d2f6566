import Foundation

/// Which spinlock a tree's RISC-V port builds, read from its files: what `spin_lock()` and
/// `spin_unlock()` of a compiled C test become.
///
/// Two locks compile: the port's own test-and-set lock (an `amoswap.w` loop, its own `spinlock.h`
/// and `spinlock_types.h`, as before v6.0), and the generic ticket lock the port takes from
/// `include/asm-generic` (v6.0 on: `atomic_fetch_add()` of the next ticket, a 16-bit store of the
/// owner to unlock, which RVWMO decides as a mixed-size access). The later combined queued and
/// ticket locks choose at boot through a static key, and are not compiled.
enum TreeSpinlocks: Equatable, Sendable {
  case testAndSet
  /// The generic ticket lock: the tree's `asm-generic/spinlock_types.h` and `asm-generic/spinlock.h`.
  case ticket(types: String, lock: String)
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
    let generics = (root as NSString).appendingPathComponent("include/asm-generic")
    let types = (generics as NSString).appendingPathComponent("spinlock_types.h")
    let lock = (generics as NSString).appendingPathComponent("spinlock.h")
    if exists("spinlock.h") && exists("spinlock_types.h") {
      self = .testAndSet
    } else if generic {
      let present = [types, lock].allSatisfy { FileManager.default.fileExists(atPath: $0) }
      self =
        present ? .ticket(types: types, lock: lock) : .notCompiled("the tree has no include/asm-generic/spinlock.h")
    } else if exists("spinlock.h") {
      self = .notCompiled(
        "the tree's spinlock.h builds a queued or a ticket lock (by configuration, or at boot through a static key), which rvcheck does not compile"
      )
    } else {
      self = .notCompiled("the tree has no RISC-V spinlock.h")
    }
  }

  /// The unit's lines that define the lock's wrappers (empty where no lock compiles).
  var unitLines: String {
    switch self {
    case .notCompiled: return ""
    case .testAndSet:
      return Self.barrierLines + "#include <asm/spinlock_types.h>\n#include <asm/spinlock.h>\n" + Self.wrapperLines
    case .ticket(let types, let lock):
      return Self.barrierLines + Self.conditionalLoads + "#include \"\(types)\"\n#include \"\(lock)\"\n"
        + Self.wrapperLines
    }
  }

  /// `smp_store_release`, `smp_load_acquire`, `smp_mb` and `smp_rmb` are the tree's `__smp_*`
  /// forms, as `asm-generic/barrier.h` (not read) defines them on SMP.
  static let barrierLines = """
    #if !defined(smp_store_release) && defined(__smp_store_release)
    #define smp_store_release(p, v) __smp_store_release(p, v)
    #endif
    #if !defined(smp_load_acquire) && defined(__smp_load_acquire)
    #define smp_load_acquire(p) __smp_load_acquire(p)
    #endif
    #if !defined(smp_mb) && defined(__smp_mb)
    #define smp_mb() __smp_mb()
    #endif
    #if !defined(smp_rmb) && defined(__smp_rmb)
    #define smp_rmb() __smp_rmb()
    #endif
    #define __LINUX_SPINLOCK_TYPES_H

    """

  /// The waiting loads the ticket lock spins in, as `asm-generic/barrier.h` (not read) defines them
  /// where the port does not: load until the condition holds, then order later accesses after
  /// the load by the control dependency and a read fence. `cpu_relax()` is a pause hint or a
  /// `div`, neither of which accesses memory.
  static let conditionalLoads = """
    #ifndef smp_acquire__after_ctrl_dep
    #define smp_acquire__after_ctrl_dep() smp_rmb()
    #endif
    #ifndef cpu_relax
    #define cpu_relax() barrier()
    #endif
    #ifndef smp_cond_load_relaxed
    #define smp_cond_load_relaxed(ptr, cond_expr) ({ __typeof__(ptr) __PTR = (ptr); __typeof__(*(ptr)) VAL; \\
      for (;;) { VAL = READ_ONCE(*__PTR); if (cond_expr) break; cpu_relax(); } VAL; })
    #endif
    #ifndef smp_cond_load_acquire
    #define smp_cond_load_acquire(ptr, cond_expr) ({ __typeof__(*(ptr)) _val; \\
      _val = smp_cond_load_relaxed(ptr, cond_expr); smp_acquire__after_ctrl_dep(); _val; })
    #endif

    """

  /// The wrappers a compiled test's lock calls go through.
  static let wrapperLines = """
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
