import Foundation

/// Projects that keep their own copy of the extension list: the kernel selftest `get-reg-list.c`,
/// QEMU's `KVM_EXT_CFG` table, kvmtool's `isa_info_arr`. Each should name every id of the enum.
public enum MirrorCheck {
  public static let kinds = ["selftest", "qemu", "kvmtool"]

  /// The ids a mirror file names: `KVM_RISCV_ISA_EXT_X` identifiers, and the arguments of the
  /// selftest's `KVM_ISA_EXT_ARR(X)` and `KVM_ISA_EXT_SIMPLE_CONFIG(x, X)`.
  public static func names(in path: String) throws(SourceError) -> Set<String> {
    let tokens = try KernelReader.tokens(of: path)
    var names: Set<String> = []
    for (index, token) in tokens.enumerated() {
      if token.kind == .identifier, let name = KernelReader.strip(token.text, KernelReader.idPrefix), name != "MAX" {
        names.insert(name)
      }
      if token.kind == .preprocessor {
        for part in token.text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }) {
          if let name = KernelReader.strip(String(part), KernelReader.idPrefix), !name.isEmpty, name != "MAX" {
            names.insert(name)
          }
        }
      }
      guard index + 3 < tokens.count, tokens[index + 1].text == "(" else { continue }
      if token.text == "KVM_ISA_EXT_ARR" {
        names.insert(tokens[index + 2].text)
      } else if token.text == "KVM_ISA_EXT_SIMPLE_CONFIG", index + 4 < tokens.count, tokens[index + 3].text == "," {
        names.insert(tokens[index + 4].text)
      }
    }
    return names
  }

  /// One warning per enum id the mirror lacks (ZACAS first), or one proved obligation.
  public static func compare(_ policy: KernelPolicy, kind: String, path: String) throws(SourceError) -> [Obligation] {
    let present = try names(in: path)
    var missing = policy.ids.filter { !present.contains($0.name) }
    if let zacas = missing.firstIndex(where: { $0.name == "ZACAS" }) {
      missing.insert(missing.remove(at: zacas), at: 0)
    }
    let name = "mirror.\(kind)"
    guard !missing.isEmpty else {
      return [
        Obligation(
          name: name, status: .proved,
          message: "\((path as NSString).lastPathComponent) names all \(policy.ids.count) ids",
          trace: [], location: nil, seconds: 0)
      ]
    }
    return missing.map { entry in
      Obligation(
        name: name, status: .warning,
        message: "\(kind) mirror \(path) lacks \(entry.name) (defined here)", trace: [], location: entry.location,
        seconds: 0)
    }
  }
}
