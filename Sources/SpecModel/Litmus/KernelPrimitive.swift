/// The kernel's primitives as C litmus tests call them, each with the events it stands for
/// (`tools/memory-model/linux-kernel.def` states the same mapping for herd).
enum KernelPrimitive {
  /// A marked load: of `*p` when the argument is an lvalue (`READ_ONCE(*x)`), else of the location
  /// the pointer argument names (`smp_load_acquire(x)`).
  case load(KernelEventTag.Access, lvalue: Bool)
  /// A marked store of the second argument, with a fence after it for `smp_store_mb()`.
  case store(KernelEventTag.Access, lvalue: Bool, fenceAfter: KernelEventTag.Fence?)
  case fence(KernelEventTag.Fence)
  case atomic(AtomicPrimitive)
  case lock, unlock, tryLock, isLocked
  case srcu(KernelEventTag.SRCU)
  /// A construct the model does not decide yet: the test is refused, naming it.
  case unsupported(String)

  static func named(_ name: String) -> KernelPrimitive? { table[name] }

  private static let table: [String: KernelPrimitive] = {
    var table: [String: KernelPrimitive] = [
      "READ_ONCE": .load(.once, lvalue: true),
      "WRITE_ONCE": .store(.once, lvalue: true, fenceAfter: nil),
      "smp_load_acquire": .load(.acquire, lvalue: false),
      "smp_store_release": .store(.release, lvalue: false, fenceAfter: nil),
      "rcu_dereference": .load(.once, lvalue: true),
      "rcu_assign_pointer": .store(.release, lvalue: true, fenceAfter: nil),
      "smp_store_mb": .store(.once, lvalue: true, fenceAfter: .mb),
      "smp_mb": .fence(.mb),
      "smp_rmb": .fence(.rmb),
      "smp_wmb": .fence(.wmb),
      "smp_mb__before_atomic": .fence(.beforeAtomic),
      "smp_mb__after_atomic": .fence(.afterAtomic),
      "smp_mb__after_spinlock": .fence(.afterSpinlock),
      "smp_mb__after_unlock_lock": .fence(.afterUnlockLock),
      "barrier": .fence(.barrier),
      "rcu_read_lock": .fence(.rcuLock),
      "rcu_read_unlock": .fence(.rcuUnlock),
      "spin_lock": .lock,
      "spin_unlock": .unlock,
      "spin_trylock": .tryLock,
      "spin_is_locked": .isLocked,
    ]
    for name in ["synchronize_rcu", "synchronize_rcu_expedited"] { table[name] = .fence(.syncRCU) }
    table["srcu_read_lock"] = .srcu(.lock)
    table["srcu_read_unlock"] = .srcu(.unlock)
    for name in ["synchronize_srcu", "synchronize_srcu_expedited"] { table[name] = .srcu(.synchronize) }
    table["smp_mb__after_srcu_read_unlock"] = .fence(.afterSRCUUnlock)
    // Sections passed between threads came to the model after the version this project follows.
    for name in ["srcu_down_read", "srcu_up_read"] {
      table[name] = .unsupported("'\(name)' (an SRCU section across threads) is not modelled yet")
    }
    for name in ["call_rcu", "rcu_barrier", "kfree_rcu"] {
      table[name] = .unsupported("'\(name)' (RCU callbacks) is not modelled yet")
    }

    let orderings: [(suffix: String, ordering: AtomicPrimitive.Ordering)] = [
      ("", .full), ("_relaxed", .relaxed), ("_acquire", .acquire), ("_release", .release),
    ]
    typealias Operand = AtomicPrimitive.Operand
    for prefix in ["atomic", "atomic64", "atomic_long"] {
      table["\(prefix)_read"] = .load(.once, lvalue: false)
      table["\(prefix)_set"] = .store(.once, lvalue: false, fenceAfter: nil)
      table["\(prefix)_read_acquire"] = .load(.acquire, lvalue: false)
      table["\(prefix)_set_release"] = .store(.release, lvalue: false, fenceAfter: nil)
      let arithmetic: [(String, AtomicPrimitive.Operation, [Operand])] = [
        ("add", .add, [.argument(0)]), ("sub", .sub, [.argument(0)]), ("inc", .add, [.constant(1)]),
        ("dec", .sub, [.constant(1)]), ("and", .and, [.argument(0)]), ("or", .or, [.argument(0)]),
        ("xor", .xor, [.argument(0)]), ("andnot", .andNot, [.argument(0)]),
      ]
      for (name, operation, operands) in arithmetic {
        // `atomic_add(i, v)`: the location is the last argument; `atomic_inc(v)` has only it.
        let location = operands == [.constant(1)] ? 0 : 1
        table["\(prefix)_\(name)"] = .atomic(
          AtomicPrimitive(
            operation: operation, ordering: .relaxed, result: .nothing, location: location, operands: operands))
        for (suffix, ordering) in orderings {
          table["\(prefix)_fetch_\(name)\(suffix)"] = .atomic(
            AtomicPrimitive(
              operation: operation, ordering: ordering, result: .old, location: location, operands: operands))
          if ["add", "sub", "inc", "dec"].contains(name) {
            table["\(prefix)_\(name)_return\(suffix)"] = .atomic(
              AtomicPrimitive(
                operation: operation, ordering: ordering, result: .new, location: location, operands: operands))
          }
        }
      }
      table["\(prefix)_sub_and_test"] = .atomic(
        AtomicPrimitive(operation: .sub, ordering: .full, result: .newIsZero, location: 1, operands: [.argument(0)]))
      table["\(prefix)_dec_and_test"] = .atomic(
        AtomicPrimitive(operation: .sub, ordering: .full, result: .newIsZero, location: 0, operands: [.constant(1)]))
      table["\(prefix)_inc_and_test"] = .atomic(
        AtomicPrimitive(operation: .add, ordering: .full, result: .newIsZero, location: 0, operands: [.constant(1)]))
      for (suffix, ordering) in orderings {
        table["\(prefix)_add_negative\(suffix)"] = .atomic(
          AtomicPrimitive(
            operation: .add, ordering: ordering, result: .newIsNegative, location: 1, operands: [.argument(0)]))
      }
      table["\(prefix)_add_unless"] = .atomic(
        AtomicPrimitive(
          operation: .addUnless, ordering: .full, result: .succeeded, location: 0,
          operands: [.argument(1), .argument(2)]))
      // Returns what it read; like add_unless, fully ordered only when it adds.
      table["\(prefix)_fetch_add_unless"] = .atomic(
        AtomicPrimitive(
          operation: .addUnless, ordering: .full, result: .old, location: 0, operands: [.argument(1), .argument(2)]))
      table["\(prefix)_inc_not_zero"] = .atomic(
        AtomicPrimitive(
          operation: .addUnless, ordering: .full, result: .succeeded, location: 0,
          operands: [.constant(1), .constant(0)]))
    }
    for prefix in ["", "atomic_", "atomic64_", "atomic_long_"] {
      for (suffix, ordering) in orderings {
        table["\(prefix)xchg\(suffix)"] = .atomic(
          AtomicPrimitive(operation: .exchange, ordering: ordering, result: .old, location: 0, operands: [.argument(1)])
        )
        table["\(prefix)cmpxchg\(suffix)"] = .atomic(
          AtomicPrimitive(
            operation: .compareExchange, ordering: ordering, result: .old, location: 0,
            operands: [.argument(1), .argument(2)]))
        table["\(prefix)try_cmpxchg\(suffix)"] = .atomic(
          AtomicPrimitive(
            operation: .tryCompareExchange, ordering: ordering, result: .succeeded, location: 0,
            operands: [.argument(1), .argument(2)]))
      }
    }
    return table
  }()
}

/// An atomic read-modify-write primitive: what it computes, how it is ordered, what it returns,
/// and where its arguments are.
struct AtomicPrimitive {
  enum Operation {
    case add, sub, and, or, xor, andNot, exchange
    /// Writes the second operand if memory equals the first.
    case compareExchange
    /// As compareExchange, the first operand a pointer to the expected value, updated on failure.
    case tryCompareExchange
    /// Adds the first operand unless memory equals the second.
    case addUnless
  }

  /// `_relaxed`, `_acquire`, `_release`, or fully ordered (an `smp_mb()` on each side when it
  /// writes).
  enum Ordering { case relaxed, acquire, release, full }

  enum Result { case nothing, old, new, newIsZero, newIsNegative, succeeded }

  enum Operand: Equatable {
    case argument(Int)
    case constant(Int64)
  }

  let operation: Operation
  let ordering: Ordering
  let result: Result
  /// Which argument points to the location.
  let location: Int
  let operands: [Operand]

  /// Whether the write depends on the value read; a failed conditional RMW is only a read.
  var conditional: Bool { [.compareExchange, .tryCompareExchange, .addUnless].contains(operation) }
}
