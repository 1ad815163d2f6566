/// Assembly text in objdump's syntax, printed and parsed from the same table.
extension Instruction {
  /// The instruction as objdump prints it (register ABI names, `, ` between operands).
  public var assembly: String {
    let r = RegisterNames.name
    let operands: String
    switch form.format {
    case .register: operands = "\(r(rd)), \(r(rs1)), \(r(rs2))"
    case .immediate, .shiftImmediate: operands = "\(r(rd)), \(r(rs1)), \(immediate)"
    case .load: operands = "\(r(rd)), \(immediate)(\(r(rs1)))"
    case .store: operands = "\(r(rs2)), \(immediate)(\(r(rs1)))"
    case .branch: operands = "\(r(rs1)), \(r(rs2)), \(immediate)"
    case .upper: operands = "\(r(rd)), 0x\(String(immediate, radix: 16))"
    case .jump: operands = "\(r(rd)), \(immediate)"
    case .atomic: operands = "\(r(rd)), \(r(rs2)), (\(r(rs1)))"
    case .loadReserved: operands = "\(r(rd)), (\(r(rs1)))"
    case .fence: operands = "\(FenceSet.text(pred)), \(FenceSet.text(succ))"
    case .bare: return fullMnemonic
    case .loadAcquire: operands = "\(r(rd)), (\(r(rs1)))"
    case .storeRelease: operands = "\(r(rs2)), (\(r(rs1)))"
    }
    return "\(fullMnemonic) \(operands)"
  }
}

/// FENCE predecessor/successor sets: bits i, o, r, w.
enum FenceSet {
  static func text(_ set: UInt8) -> String {
    let letters = zip("iorw", [8, 4, 2, 1] as [UInt8]).filter { set & $0.1 != 0 }.map { String($0.0) }
    return letters.isEmpty ? "0" : letters.joined()
  }

  static func parse(_ text: String) -> UInt8? {
    if text == "0" { return 0 }
    var set: UInt8 = 0
    for letter in text {
      switch letter {
      case "i": set |= 8
      case "o": set |= 4
      case "r": set |= 2
      case "w": set |= 1
      default: return nil
      }
    }
    return text.isEmpty ? nil : set
  }
}

/// A syntax error in assembly text, located like a compiler's.
public struct AssemblyError: Error, CustomStringConvertible, Equatable {
  public let line: Int
  public let column: Int
  public let message: String
  public var description: String { "\(line):\(column): error: \(message)" }
}
