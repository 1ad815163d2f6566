/// The C types a kernel atomic primitive's expansion uses: integers of the kernel's widths, signed
/// or not, pointers, and void. `long` follows the ABI: 64 bits on RV64 (LP64), 32 on RV32 (ILP32).
public indirect enum CType: Hashable, Sendable, CustomStringConvertible {
  case integer(bits: Int, signed: Bool)
  case pointer(CType)
  case void
  /// A struct or union of integer fields (`union __u128_halves`).
  case record(CRecord)

  public var description: String {
    switch self {
    case .integer(let bits, let signed): (signed ? "s" : "u") + "\(bits)"
    case .pointer(let target): "\(target) *"
    case .void: "void"
    case .record(let record): record.name
    }
  }

  /// Bits a value of this type occupies (a pointer: XLEN).
  func bits(xlen: Int) -> Int {
    switch self {
    case .integer(let bits, _): bits
    case .pointer: xlen
    case .void: 0
    case .record(let record): record.bits
    }
  }

  var isSigned: Bool {
    if case .integer(_, true) = self { return true }
    return false
  }

  var pointee: CType? {
    if case .pointer(let target) = self { return target }
    return nil
  }

  /// The type named by C type words (`unsigned long`, `u32`, `register unsigned int`, `s64 *`);
  /// nil for a spelling this reader does not know. `__typeof__` is resolved by the caller.
  static func named(_ words: [String], xlen: Int) -> CType? {
    var words = words.filter { !["const", "volatile", "register", "static", "__user", "auto", "inline"].contains($0) }
    var stars = 0
    while let last = words.last, last.allSatisfy({ $0 == "*" }) {
      stars += last.count
      words.removeLast()
    }
    guard var base = baseType(words, xlen: xlen) else { return nil }
    for _ in 0..<stars { base = .pointer(base) }
    return base
  }

  private static func baseType(_ words: [String], xlen: Int) -> CType? {
    let long = xlen
    switch words.joined(separator: " ") {
    case "u8", "unsigned char", "__u8": return .integer(bits: 8, signed: false)
    case "s8", "signed char", "char", "__s8": return .integer(bits: 8, signed: true)
    case "u16", "unsigned short", "__u16": return .integer(bits: 16, signed: false)
    case "s16", "short", "signed short", "__s16": return .integer(bits: 16, signed: true)
    case "u32", "unsigned int", "unsigned", "__u32": return .integer(bits: 32, signed: false)
    case "s32", "int", "signed int", "signed", "__s32": return .integer(bits: 32, signed: true)
    case "u64", "unsigned long long", "__u64": return .integer(bits: 64, signed: false)
    case "s64", "long long", "signed long long", "__s64": return .integer(bits: 64, signed: true)
    case "long", "signed long", "long int": return .integer(bits: long, signed: true)
    case "unsigned long", "ulong", "size_t", "uintptr_t", "unsigned long int":
      return .integer(bits: long, signed: false)
    case "ssize_t": return .integer(bits: long, signed: true)
    case "bool", "_Bool": return .integer(bits: 8, signed: false)
    case "u128", "__u128", "unsigned __int128": return .integer(bits: 128, signed: false)
    case "s128", "__s128", "__int128": return .integer(bits: 128, signed: true)
    case "void": return .void
    default: return nil
    }
  }

  /// The integer promotions, then the usual arithmetic conversions of two operands.
  static func common(_ left: CType, _ right: CType) -> CType {
    let (a, b) = (left.promoted, right.promoted)
    guard case .integer(let aBits, let aSigned) = a, case .integer(let bBits, let bSigned) = b else {
      return a
    }
    if aSigned == bSigned { return .integer(bits: max(aBits, bBits), signed: aSigned) }
    let (unsignedBits, signedBits) = aSigned ? (bBits, aBits) : (aBits, bBits)
    if unsignedBits >= signedBits { return .integer(bits: unsignedBits, signed: false) }
    return .integer(bits: signedBits, signed: true)
  }

  /// Narrower than int becomes int.
  var promoted: CType {
    if case .integer(let bits, _) = self, bits < 32 { return .integer(bits: 32, signed: true) }
    return self
  }
}

/// A C value: its type and its bits (a Z3 term, or concrete bits), as wide as the type.
public struct CValue {
  public let type: CType
  public let bits: BitVec

  /// The value converted to `type` (C's conversion: truncate, or extend by the source's sign).
  func converted(to target: CType, xlen: Int) -> CValue {
    let width = target.bits(xlen: xlen)
    guard width > 0 else { return CValue(type: target, bits: bits) }
    if width == bits.width { return CValue(type: target, bits: bits) }
    if width < bits.width { return CValue(type: target, bits: bits.truncate(to: width)) }
    let extended = type.isSigned ? bits.signExtend(to: width) : bits.zeroExtend(to: width)
    return CValue(type: target, bits: extended)
  }
}
