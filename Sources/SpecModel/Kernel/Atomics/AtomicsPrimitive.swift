/// One of the kernel's RISC-V atomic primitives at one size: `cmpxchg_acquire` on a `u16`, say.
public struct AtomicsPrimitive: Hashable, Sendable, CustomStringConvertible {
  public enum Operation: String, CaseIterable, Sendable {
    case xchg, cmpxchg
    // atomic.h, on the counter of an atomic_t (4 bytes) or atomic64_t (8 bytes).
    case atomicRead = "atomic_read"
    case atomicSet = "atomic_set"
    case atomicAdd = "atomic_add"
    case atomicSub = "atomic_sub"
    case atomicAnd = "atomic_and"
    case atomicOr = "atomic_or"
    case atomicXor = "atomic_xor"
    case atomicFetchAdd = "atomic_fetch_add"
    case atomicFetchSub = "atomic_fetch_sub"
    case atomicFetchAnd = "atomic_fetch_and"
    case atomicFetchOr = "atomic_fetch_or"
    case atomicFetchXor = "atomic_fetch_xor"
    case atomicAddReturn = "atomic_add_return"
    case atomicSubReturn = "atomic_sub_return"
    case atomicXchg = "atomic_xchg"
    case atomicCmpxchg = "atomic_cmpxchg"
    case atomicFetchAddUnless = "atomic_fetch_add_unless"

    /// The operations of cmpxchg.h.
    public static let exchanges: [Operation] = [.xchg, .cmpxchg]

    /// An operation of atomic.h (on an atomic_t), not of cmpxchg.h (on a plain object).
    public var isAtomicType: Bool { !Self.exchanges.contains(self) }

    /// Whether it comes in `_relaxed`, `_acquire` and `_release` forms besides the fully ordered one.
    var hasOrderings: Bool {
      switch self {
      case .atomicRead, .atomicSet, .atomicAdd, .atomicSub, .atomicAnd, .atomicOr, .atomicXor, .atomicFetchAddUnless:
        false
      default: true
      }
    }

    /// Its arguments after the object, as the wrapper takes them: `n` the operand or new value, `o`
    /// the expected value (cmpxchg) or the value that stops the add (fetch_add_unless).
    var takesOld: Bool { [.cmpxchg, .atomicCmpxchg, .atomicFetchAddUnless].contains(self) }
    var takesNew: Bool { self != .atomicRead }

    /// A call's arguments in the kernel's order: the object, `old` (the expected value, or the
    /// value that stops the add) and `new` (the new value or the operand).
    func arguments(object: String, old: String, new: String) -> String {
      switch self {
      case .xchg, .atomicXchg, .atomicSet: "\(object), \(new)"
      case .cmpxchg, .atomicCmpxchg: "\(object), \(old), \(new)"
      case .atomicRead: object
      case .atomicFetchAddUnless: "\(object), \(new), \(old)"
      // The arithmetic and logic take the operand first.
      default: "\(new), \(object)"
      }
    }

    /// The call of the tree's function or macro with the wrapper's parameters.
    func call(_ name: String) -> String { "\(name)(\(arguments(object: "p", old: "o", new: "n")))" }

    /// Whether the ordering shapes apply: the operation reads, writes and returns, and writes what
    /// the shapes' other threads look for. `fetch_or` takes the shapes' 0 to 1 as `new` is 1; its
    /// 1 → 2 writes 3 instead, in the C test and in the compiled test alike, and no condition reads
    /// that value. `fetch_and` only clears bits: it takes the shapes with their values relabelled
    /// (`OrderingShape.clearingBits`).
    var orderingShapes: Bool {
      [
        .atomicFetchAdd, .atomicFetchSub, .atomicFetchAnd, .atomicFetchOr, .atomicFetchXor, .atomicAddReturn,
        .atomicSubReturn, .atomicXchg, .atomicCmpxchg, .atomicFetchAddUnless,
      ]
      .contains(self)
    }

    /// A value no shape's location ever holds: `fetch_add_unless` is given it as the value that
    /// stops the add, so in a shape it always adds (and is then fully ordered).
    static let neverHeld = 100

    /// The operand of an add, sub or xor that takes memory from `expected` to `new` (nil: the
    /// others take `new` itself).
    func operand(from expected: Int, to new: Int) -> Int? {
      switch self {
      case .atomicFetchAdd, .atomicAddReturn: new - expected
      case .atomicFetchSub, .atomicSubReturn: expected - new
      case .atomicFetchXor: expected ^ new
      case .atomicFetchAddUnless: new - expected
      default: nil
      }
    }

    /// The call as a C litmus test writes it on location `location`: an add, sub or xor takes the
    /// operand that turns `expected` into `new`, an and or or `new` itself.
    func litmusCall(_ name: String, _ location: String, expected: Int, new: Int) -> String {
      let arguments =
        self == .atomicFetchAddUnless
        ? arguments(object: location, old: "\(Self.neverHeld)", new: "\(new - expected)")
        : arguments(object: location, old: "\(expected)", new: "\(operand(from: expected, to: new) ?? new)")
      return "\(name)(\(arguments))"
    }

    /// Whether it returns a value the obligations check.
    var returnsValue: Bool {
      ![.atomicSet, .atomicAdd, .atomicSub, .atomicAnd, .atomicOr, .atomicXor].contains(self)
    }
  }

  /// The ordering suffix: `_relaxed`, `_acquire`, `_release`, none (fully ordered), or `_local`
  /// (atomic only against this CPU: no ordering promised, so only the functional obligations).
  public enum Ordering: String, CaseIterable, Sendable {
    case relaxed, acquire, release
    case full = ""
    case local
  }

  public let operation: Operation
  public let ordering: Ordering
  /// Bytes of the object: 1, 2, 4, 8, or 16 (`cmpxchg128`).
  public let bytes: Int
  public let signed: Bool

  public init(_ operation: Operation, _ ordering: Ordering, bytes: Int, signed: Bool) {
    self.operation = operation
    self.ordering = ordering
    self.bytes = bytes
    self.signed = signed
  }

  /// The name without the `arch_` prefix: `cmpxchg_acquire`, `xchg`, `cmpxchg128_local`,
  /// `atomic64_fetch_add_relaxed`.
  public var name: String {
    var base = operation.rawValue + (bytes == 16 ? "128" : "")
    if operation.isAtomicType && bytes == 8 { base = "atomic64" + base.dropFirst("atomic".count) }
    return base + (ordering == .full ? "" : "_" + ordering.rawValue)
  }

  /// The C type of the object: an integer type, or `atomic_t`/`atomic64_t`.
  public var typeName: String {
    if operation.isAtomicType { return bytes == 8 ? "atomic64_t" : "atomic_t" }
    return (signed ? "s" : "u") + "\(8 * bytes)"
  }

  /// The C type of the values (an atomic_t's counter is an int, an atomic64_t's an s64).
  public var type: CType { .integer(bits: 8 * bytes, signed: signed) }

  /// The C spelling of the values' type.
  var valueTypeName: String {
    operation.isAtomicType ? (bytes == 8 ? "s64" : "int") : typeName
  }

  public var description: String { "\(name)(\(typeName))" }

  /// A C identifier for the function the prover wraps it in.
  var functionName: String {
    "rvcheck_\(operation.rawValue)_\(ordering == .full ? "full" : ordering.rawValue)_\(typeName)"
  }

  /// Every primitive the prover asks a tree for: `xchg` and `cmpxchg` at 1 to 8 bytes in every
  /// ordering, and `cmpxchg128`, which the kernel has fully ordered and `_local` only.
  public static let all: [AtomicsPrimitive] =
    Operation.exchanges.flatMap { operation in
      Ordering.allCases.flatMap { ordering in
        [1, 2, 4, 8].flatMap { bytes in
          [false, true].map { AtomicsPrimitive(operation, ordering, bytes: bytes, signed: $0) }
        }
      }
    } + [Ordering.full, .local].map { AtomicsPrimitive(.cmpxchg, $0, bytes: 16, signed: false) }
    + atomicTypeOperations

  /// atomic.h's operations on atomic_t and atomic64_t, in each ordering they come in.
  public static let atomicTypeOperations: [AtomicsPrimitive] = [4, 8].flatMap { bytes in
    Operation.allCases.filter(\.isAtomicType).flatMap { operation in
      (operation.hasOrderings ? [Ordering.relaxed, .acquire, .release, .full] : [.full]).map {
        AtomicsPrimitive(operation, $0, bytes: bytes, signed: true)
      }
    }
  }

  /// The wrapper function, calling the tree's macro by its name of the era: `arch_cmpxchg_acquire`
  /// since the `arch_` prefix, `cmpxchg_acquire` before. A tree that defines neither gets a marker.
  /// The unit's function for this primitive; `atomic_t` operations are called as
  /// `atomicPrefix` + their name (`GenericAtomics`).
  func wrapper(atomicPrefix: String = "arch_") -> String {
    if operation.isAtomicType {
      // Functions, not macros, in the tree's atomic.h: called whether or not a macro names them; a
      // tree that defines neither does not provide it.
      let value = valueTypeName
      let parameters =
        "\(typeName) *p" + (operation.takesNew ? ", \(value) n" : "") + (operation.takesOld ? ", \(value) o" : "")
      let call = operation.call(atomicPrefix + name)
      let body = operation.returnsValue ? "return \(call);" : "\(call); return 0;"
      return "\(value) \(functionName)(\(parameters)) { \(body) }\n\n"
    }
    let parameters =
      operation == .cmpxchg ? "\(typeName) *p, \(typeName) o, \(typeName) n" : "\(typeName) *p, \(typeName) n"
    let arguments = operation == .cmpxchg ? "p, o, n" : "p, n"
    // The kernel's contract for 128 bits: callers ask system_has_cmpxchg128() first.
    let guardText =
      bytes == 16
      ? "\n#if defined(system_has_cmpxchg128)\nif (!system_has_cmpxchg128()) __rvcheck_not_on_this_path();\n#endif\n"
      : ""
    return """
      #if defined(arch_\(name))
      \(typeName) \(functionName)(\(parameters)) {\(guardText) return arch_\(name)(\(arguments)); }
      #elif defined(\(name))
      \(typeName) \(functionName)(\(parameters)) { return \(name)(\(arguments)); }
      #else
      int \(functionName)_absent;
      #endif

      """
  }
}

/// A way the kernel may have booted: which Kconfig options the build set and which extensions the
/// hardware has, and so which code the primitives' boot-time tests choose.
public struct AtomicsBootPath: Hashable, Sendable, CustomStringConvertible {
  public let name: String
  public let configured: [String]
  public let extensions: Set<String>

  public var description: String { name }

  /// The ISA the chosen code runs on.
  public func isa(xlen: Int) -> String {
    var text = "rv\(xlen)ima"
    if extensions.contains("ZACAS") { text += "_zacas" }
    if extensions.contains("ZABHA") { text += "_zabha" }
    return text
  }

  /// The options a kernel built for Zacas and Zabha sets (the toolchain ones as its build finds them).
  static let configured = [
    "CONFIG_RISCV_ISA_ZACAS", "CONFIG_RISCV_ISA_ZABHA", "CONFIG_TOOLCHAIN_HAS_ZACAS", "CONFIG_TOOLCHAIN_HAS_ZABHA",
  ]

  public static let all: [AtomicsBootPath] = [
    AtomicsBootPath(name: "no-zacas-config", configured: [], extensions: []),
    AtomicsBootPath(name: "lr-sc", configured: configured, extensions: []),
    AtomicsBootPath(name: "zabha", configured: configured, extensions: ["ZABHA"]),
    AtomicsBootPath(name: "zacas", configured: configured, extensions: ["ZACAS"]),
    AtomicsBootPath(name: "zabha-zacas", configured: configured, extensions: ["ZACAS", "ZABHA"]),
  ]
}
