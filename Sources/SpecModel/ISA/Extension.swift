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

  public static func < (l: Extension, r: Extension) -> Bool {
    (allCases.firstIndex(of: l) ?? 0) < (allCases.firstIndex(of: r) ?? 0)
  }
}
