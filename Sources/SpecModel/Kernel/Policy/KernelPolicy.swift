/// A place in a source file.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
  public let file: String
  public let line: Int
  public let column: Int
  public var description: String { "\(file):\(line):\(column)" }
}

/// One `KVM_RISCV_ISA_EXT_*` enumerator.
public struct EnumEntry: Hashable, Sendable {
  /// The name without the `KVM_RISCV_ISA_EXT_` prefix, e.g. `ZACAS`.
  public let name: String
  public let value: Int
  public let location: SourceLocation
}

/// One `kvm_isa_ext_arr[]` entry: a KVM id and the host extension bit it maps to.
public struct TableEntry: Hashable, Sendable {
  /// The KVM id name without prefix (`ZACAS`).
  public let id: String
  /// The host extension name without the `RISCV_ISA_EXT_` prefix (`ZACAS`, or `a` for single letters).
  public let host: String
  public let location: SourceLocation
  /// The 2026 table's `nested` flag: whether the extension is offered when KVM runs nested.
  public var nested: Bool? = nil
}

/// What a policy switch says about one extension.
public enum PolicyAnswer: Hashable, Sendable, CustomStringConvertible {
  case always
  case never
  /// A host predicate, possibly negated; each distinct predicate is a free boolean of the host.
  case predicate(String, negated: Bool)

  public var description: String {
    switch self {
    case .always: "true"
    case .never: "false"
    case .predicate(let text, let negated): (negated ? "!" : "") + text
    }
  }
}

/// `kvm_riscv_*isa_{enable,disable}_allowed`: per-id answers, and the answer for every other id.
public struct PolicySwitch: Sendable {
  public let function: String
  public let answers: [String: PolicyAnswer]
  public let locations: [String: SourceLocation]
  public let fallback: PolicyAnswer
  /// Case labels in the order written, with the group (consecutive labels sharing one outcome).
  public let groups: [[String]]
  public let location: SourceLocation

  public func answer(_ id: String) -> PolicyAnswer { answers[id] ?? fallback }
}

/// Everything rvcheck reads from one kernel tree.
public struct KernelPolicy: Sendable {
  public let enumEntries: [EnumEntry]
  public let table: [TableEntry]
  public let enable: PolicySwitch
  public let disable: PolicySwitch
  /// The file holding the table and switches (era: vcpu.c, vcpu_onereg.c or isa.c).
  public let policyFile: String
  public let headerFile: String
  /// `__kvm_riscv_isa_check_host` (2026): host extensions whose presence is checked on another
  /// host extension (SMNPM on SSNPM), and whether entries not marked `nested` are hidden when
  /// KVM runs nested.
  public var hostCheckRemap: [String: String] = [:]
  public var nestedFilter = false
  /// The ISA_EXT SINGLE setter's body, as read.
  public var setter: SetterReading = .missing(searched: [])
  /// Where the MULTI setter calls the SINGLE one and drops its result; nil when there is no MULTI
  /// setter (before v6.6) or it checks the result.
  public var multiIgnoresSingle: SourceLocation? = nil
  /// Whether the setter tests `ran_atleast_once` (the -EBUSY guard); nil when it was not read.
  public var runGuard: Bool? { setter.model?.testsRan }
  public var setterLocation: SourceLocation? {
    switch setter {
    case .read(let model): model.location
    case .unreadable(_, let location, _): location
    case .missing: nil
    }
  }
  public static let nestedPredicate = "kvm_riscv_nested_available()"

  /// The MAX enumerator's value.
  public var max: Int { enumEntries.first { $0.name == "MAX" }?.value ?? enumEntries.count }

  /// Ids below MAX, in value order.
  public var ids: [EnumEntry] { enumEntries.filter { $0.name != "MAX" }.sorted { $0.value < $1.value } }
}
