import Foundation

/// Which spinlock a tree's RISC-V port builds, read from its files: what `spin_lock()` and
/// `spin_unlock()` of a compiled C test become.
///
/// Two locks compile: the port's own test-and-set lock (an `amoswap.w` loop, its own `spinlock.h`
/// and `spinlock_types.h`, as before v6.0), and the generic ticket lock (v6.0 on: `atomic_fetch_add()`
/// of the next ticket, a 16-bit store of the owner to unlock, which RVWMO decides as a mixed-size
/// access). Up to v6.12 the port takes the generic `spinlock.h` whole. From v6.13 the port's own
/// `spinlock.h` builds the ticket lock, the queued lock, or both with a boot-time choice: its
/// ticket configuration is compiled, which is also what the combined lock runs where the boot
/// finds no Zabha (with Zacas) and no Ziccrse. Where the boot code leaves the key set (read from
/// the tree, `BootLockChoice`: the paths with Zabha and Zacas), the queued lock runs: the port's
/// `spinlock.h` is compiled in its queued configuration, with the slow path from the tree's
/// `kernel/locking/qspinlock.c`.
enum TreeSpinlocks: Sendable {
  case testAndSet
  /// The generic ticket lock: the files the unit includes for it (by path, or a header name the
  /// stubs resolve), the stubs, and the queued lock the boot paths with Zabha and Zacas take.
  case ticket(includes: [String], stubs: [String: String], queued: QueuedLock?)

  /// The queued lock of a port that builds both: its slow path's file (nil: the tree has none),
  /// the headers it is reached through, and the boot code that picks it (nil: none found).
  struct QueuedLock: Sendable {
    let slowPath: String?
    let stubs: [String: String]
    let boot: BootLockChoice?
  }
  /// Not compiled, and why.
  case notCompiled(String)

  init(root: String) {
    let asm = (root as NSString).appendingPathComponent("arch/riscv/include/asm")
    func exists(_ name: String) -> Bool {
      FileManager.default.fileExists(atPath: (asm as NSString).appendingPathComponent(name))
    }
    let kbuild =
      (try? String(contentsOfFile: (asm as NSString).appendingPathComponent("Kbuild"), encoding: .utf8)) ?? ""
    /// Whether the port's Kbuild takes `name` from `include/asm-generic` (`generic-y += name`).
    func takesGeneric(_ name: String) -> Bool {
      kbuild.split(separator: "\n").contains {
        $0.split(whereSeparator: \.isWhitespace).starts(with: ["generic-y", "+=", Substring(name)])
      }
    }
    func generics(_ name: String) -> String? {
      let path = (root as NSString).appendingPathComponent("include/asm-generic/" + name)
      return FileManager.default.fileExists(atPath: path) ? path : nil
    }
    if exists("spinlock.h") && exists("spinlock_types.h") {
      self = .testAndSet
    } else if takesGeneric("spinlock.h") {
      if let types = generics("spinlock_types.h"), let lock = generics("spinlock.h") {
        self = .ticket(includes: ["\"\(types)\"", "\"\(lock)\""], stubs: [:], queued: nil)
      } else {
        self = .notCompiled("the tree has no include/asm-generic/spinlock.h")
      }
    } else if exists("spinlock.h"), takesGeneric("ticket_spinlock.h"), let ticket = generics("ticket_spinlock.h"),
      let types = generics("spinlock_types.h"), let queued = generics("qspinlock_types.h")
    {
      // The port's spinlock.h, configured for neither the combined nor the queued lock, includes
      // the generic ticket lock, whose types are the queued lock's word.
      let slowPath = (root as NSString).appendingPathComponent("kernel/locking/qspinlock.c")
      // The generic headers the port takes (`generic-y`) are reached through stubs; one the port
      // has of its own is its own.
      var queuedStubs = ["asm-generic/qspinlock_types.h": "#include \"\(queued)\"\n"]
      for name in ["qspinlock.h", "mcs_spinlock.h"] {
        guard let generic = generics(name) else { continue }
        queuedStubs["asm-generic/" + name] = "#include \"\(generic)\"\n"
        if !exists(name) { queuedStubs["asm/" + name] = "#include \"\(generic)\"\n" }
      }
      self = .ticket(
        includes: ["<asm/spinlock.h>"],
        stubs: [
          "asm/ticket_spinlock.h": "#include \"\(ticket)\"\n",
          "asm-generic/spinlock_types.h": "#include \"\(types)\"\n",
          "asm-generic/qspinlock_types.h": "#include \"\(queued)\"\n",
        ],
        queued: QueuedLock(
          slowPath: FileManager.default.fileExists(atPath: slowPath) && generics("qspinlock.h") != nil
            ? slowPath : nil,
          stubs: queuedStubs,
          boot: (try? String(contentsOfFile: (asm as NSString).appendingPathComponent("spinlock.h"), encoding: .utf8))
            .flatMap { BootLockChoice(root: root, spinlock: $0) }))
    } else if exists("spinlock.h") {
      self = .notCompiled(
        "the tree's spinlock.h builds a queued or a ticket lock (by configuration, or at boot through a static key), which rvcheck does not compile"
      )
    } else {
      self = .notCompiled("the tree has no RISC-V spinlock.h")
    }
  }

  /// The queued lock of a port that builds both.
  var queued: QueuedLock? {
    if case .ticket(_, _, let queued) = self { return queued }
    return nil
  }

  /// The unit's lines that define the lock's wrappers, on a boot path that takes the queued lock
  /// or not (empty where no lock compiles).
  func unitLines(takingQueued: Bool) -> String {
    switch self {
    case .notCompiled: return ""
    case .testAndSet:
      return "#include <asm/spinlock_types.h>\n#include <asm/spinlock.h>\n" + Self.wrapperLines
    case .ticket(let includes, _, _):
      if takingQueued, let queued {
        guard let slowPath = queued.slowPath else { return "" }
        return Self.conditionalLoads + Self.queuedConfiguration
          + "#include <asm/spinlock.h>\n#include \"\(slowPath)\"\n" + Self.wrapperLines
      }
      return Self.conditionalLoads + includes.map { "#include \($0)\n" }.joined()
        + Self.wrapperLines
    }
  }

  /// The headers the lock's files are reached through, on a boot path that takes the queued lock
  /// or not.
  func stubs(takingQueued: Bool) -> [String: String] {
    if takingQueued, let queued { return queued.stubs }
    if case .ticket(_, let stubs, _) = self { return stubs }
    return [:]
  }

  /// Why the lock is not compiled on a boot path that takes the queued lock or not, if it is not.
  func notCompiled(takingQueued: Bool) -> String? {
    if case .notCompiled(let reason) = self { return reason }
    if takingQueued, queued?.slowPath == nil {
      return
        "the boot takes the tree's queued lock, whose slow path (kernel/locking/qspinlock.c) the tree does not have"
    }
    return nil
  }

  /// The port's queued configuration, and what the kernel's own headers (not read) define for
  /// the slow path in a build without lock debugging or paravirtual locks: section and sparse
  /// annotations are nothing. Every RISC-V configuration has at
  /// most 512 CPUs (its Kconfig's range), which gives the lock word its 8-bit pending byte.
  static let queuedConfiguration = """
    #define CONFIG_QUEUED_SPINLOCKS 1
    #define CONFIG_RISCV_QUEUED_SPINLOCKS 1
    #ifndef CONFIG_NR_CPUS
    #define CONFIG_NR_CPUS 512
    #endif
    #define __lockfunc
    #define __pure
    #define __percpu
    #define EXPORT_SYMBOL(symbol)

    """

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

  /// The wrappers a compiled test's lock calls go through. `spin_is_locked()` and
  /// `spin_trylock()` promise only a value that is not zero (the queued lock's is the whole lock
  /// word), and the LKMM gives 1: the compiled test compares whether the value is zero.
  static let wrapperLines = """
    static inline void __rvcheck_spin_lock(arch_spinlock_t *p) { arch_spin_lock(p); }
    static inline void __rvcheck_spin_unlock(arch_spinlock_t *p) { arch_spin_unlock(p); }
    static inline int __rvcheck_spin_is_locked(arch_spinlock_t *p) { return arch_spin_is_locked(p) != 0; }
    static inline int __rvcheck_spin_trylock(arch_spinlock_t *p) { return arch_spin_trylock(p) != 0; }
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
