/// An ISA extension rvcheck knows. `A` is shorthand for Zaamo plus Zalrsc.
public enum Extension: String, CaseIterable, Sendable, Comparable {
  case i, m, zaamo, zalrsc, zacas, zabha, zicclsm, zama16b
  /// Instruction-fetch fence (`fence.i`) and load-acquire/store-release (`lw.aq`, `sw.rl`): litmus
  /// tests use them; the fuzzer's programs do not.
  case zifencei, zalasr

  /// Extensions that must also be present (the manual's "depends on").
  public var dependencies: [Extension] {
    switch self {
    case .zacas, .zabha: [.zaamo]
    case .zama16b: [.zaamo]
    default: []
    }
  }

  /// A bit of its own, by position in the table.
  var bit: UInt32 {
    switch self {
    case .i: 1 << 0
    case .m: 1 << 1
    case .zaamo: 1 << 2
    case .zalrsc: 1 << 3
    case .zacas: 1 << 4
    case .zabha: 1 << 5
    case .zicclsm: 1 << 6
    case .zama16b: 1 << 7
    case .zifencei: 1 << 8
    case .zalasr: 1 << 9
    }
  }

  public static func < (l: Extension, r: Extension) -> Bool {
    (allCases.firstIndex(of: l) ?? 0) < (allCases.firstIndex(of: r) ?? 0)
  }
}
