/// One of the kernel's RISC-V atomic primitives at one size: `cmpxchg_acquire` on a `u16`, say.
public struct AtomicsPrimitive: Hashable, Sendable, CustomStringConvertible {
  public enum Operation: String, CaseIterable, Sendable {
    case xchg, cmpxchg
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

  /// The name without the `arch_` prefix: `cmpxchg_acquire`, `xchg`, `cmpxchg128_local`.
  public var name: String {
    operation.rawValue + (bytes == 16 ? "128" : "") + (ordering == .full ? "" : "_" + ordering.rawValue)
  }

  /// The C type of the object and the values.
  public var typeName: String { (signed ? "s" : "u") + "\(8 * bytes)" }

  public var type: CType { .integer(bits: 8 * bytes, signed: signed) }

  public var description: String { "\(name)(\(typeName))" }

  /// A C identifier for the function the prover wraps it in.
  var functionName: String {
    "rvcheck_\(operation.rawValue)_\(ordering == .full ? "full" : ordering.rawValue)_\(typeName)"
  }

  /// Every primitive the prover asks a tree for: `xchg` and `cmpxchg` at 1 to 8 bytes in every
  /// ordering, and `cmpxchg128`, which the kernel has fully ordered and `_local` only.
  public static let all: [AtomicsPrimitive] =
    Operation.allCases.flatMap { operation in
      Ordering.allCases.flatMap { ordering in
        [1, 2, 4, 8].flatMap { bytes in
          [false, true].map { AtomicsPrimitive(operation, ordering, bytes: bytes, signed: $0) }
        }
      }
    } + [Ordering.full, .local].map { AtomicsPrimitive(.cmpxchg, $0, bytes: 16, signed: false) }

  /// The wrapper function, calling the tree's macro by its name of the era: `arch_cmpxchg_acquire`
  /// since the `arch_` prefix, `cmpxchg_acquire` before. A tree that defines neither gets a marker.
  var wrapper: String {
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
