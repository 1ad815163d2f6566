/// A parsed and validated ISA string such as `rv64ima_zacas_zabha`.
public struct ISAString: Equatable, Hashable, Sendable, CustomStringConvertible {
  public let xlen: Int
  public let extensions: Set<Extension>

  /// The extensions as bits (by `Extension.bit`): asked once per instruction per run, where
  /// hashing the set's members would cost more than the step itself.
  private let bits: UInt32

  public init(xlen: Int, extensions: Set<Extension>) {
    self.xlen = xlen
    self.extensions = extensions
    self.bits = extensions.reduce(0) { $0 | $1.bit }
  }

  public func has(_ extension: Extension) -> Bool { bits & `extension`.bit != 0 }

  /// The canonical spelling: single letters first, then multi-letter extensions in table order.
  public var description: String {
    var text = "rv\(xlen)i"
    if has(.m) { text += "m" }
    if has(.zaamo) && has(.zalrsc) { text += "a" }
    for ext in Extension.allCases where ext.rawValue.count > 1 && has(ext) {
      if (ext == .zaamo || ext == .zalrsc) && has(.zaamo) && has(.zalrsc) { continue }
      text += "_\(ext.rawValue)"
    }
    return text
  }

  /// Whether `form` exists in this ISA.
  @inline(__always) public func contains(_ form: InstructionForm) -> Bool {
    let inXLEN = xlen == 64 ? form.inRV64 : xlen == 32 ? form.inRV32 : form.xlens.contains(xlen)
    return inXLEN && bits & form.requiredBits == form.requiredBits
  }

  public init(parsing text: String) throws(ISAStringError) {
    let lower = text.lowercased()
    guard lower.hasPrefix("rv32") || lower.hasPrefix("rv64") else {
      throw ISAStringError(text: text, reason: "must start with rv32 or rv64")
    }
    xlen = lower.hasPrefix("rv32") ? 32 : 64
    var parts = lower.dropFirst(4).split(separator: "_", omittingEmptySubsequences: false).map(String.init)
    let letters = parts.isEmpty ? "" : parts.removeFirst()
    var found: Set<Extension> = []
    guard let first = letters.first, first == "i" || first == "g" else {
      throw ISAStringError(text: text, reason: "the base must be 'i' (or 'g') right after rv\(xlen)")
    }
    for letter in letters {
      switch letter {
      case "i": found.insert(.i)
      case "g": found.formUnion([.i, .m, .zaamo, .zalrsc])
      case "m": found.insert(.m)
      case "a": found.formUnion([.zaamo, .zalrsc])
      case "f", "d", "c", "v", "h", "q":
        throw ISAStringError(
          text: text, reason: "extension '\(letter)' is valid RISC-V but not modelled by rvcheck")
      default:
        throw ISAStringError(text: text, reason: "unknown single-letter extension '\(letter)'")
      }
    }
    for part in parts {
      guard !part.isEmpty else {
        throw ISAStringError(text: text, reason: "empty extension name (doubled '_')")
      }
      guard let ext = Extension(rawValue: part), part.count > 1 else {
        throw ISAStringError(text: text, reason: "unknown extension '\(part.clipped)'")
      }
      found.insert(ext)
    }
    for ext in found.sorted() {
      for needed in ext.dependencies where !found.contains(needed) {
        throw ISAStringError(
          text: text, reason: "\(ext.rawValue) requires \(needed.rawValue) (add 'a' or '_zaamo')")
      }
    }
    extensions = found
    bits = found.reduce(0) { $0 | $1.bit }
  }
}

/// A malformed or inconsistent ISA string.
public struct ISAStringError: Error, CustomStringConvertible, Equatable {
  public let text: String
  public let reason: String
  public var description: String { "invalid ISA string '\(text.clipped)': \(reason)" }
}

extension String {
  /// The text as an error message quotes it: at most 80 characters, saying how long it really was,
  /// so that a mangled 100 KB argument does not flood the terminal.
  public var clipped: String {
    count <= 80 ? self : prefix(80) + "… (\(count) characters)"
  }
}
