import CZ3

/// Byte-addressed, little-endian memory: a base (a Z3 array, or a constant fill) plus the writes made
/// on top of it, kept in order.
///
/// Reads at numeral addresses are resolved here, write by write, so a program on concrete addresses
/// builds pure bit-vector terms; only symbolic addresses fall back to `ite` chains and `select` on
/// the base array.
public struct ByteMemory {
  public let context: Z3Context
  public let addressWidth: Int
  /// The base array; nil when every base byte is `fill`.
  let base: Z3Ast?
  let fill: UInt8
  private(set) var writes: [(address: BitVec, numeral: UInt64?, byte: BitVec)] = []
  /// For each numeral address, the index of its latest write; reads there skip everything older.
  private var latestWrite: [UInt64: Int] = [:]
  /// Indices of writes whose address is not a numeral, in order.
  private var symbolicWrites: [Int] = []

  /// Bytes written at addresses that are not numerals: every later read goes through all of them.
  public var symbolicWriteCount: Int { symbolicWrites.count }

  /// A free memory: every byte unknown.
  public static func variable(_ name: String, addressWidth: Int, in context: Z3Context) -> ByteMemory {
    let sort = Z3_mk_array_sort(context.raw, context.bitVectorSort(addressWidth), context.bitVectorSort(8))
    let array = context.wrap(Z3_mk_const(context.raw, context.symbol(name), sort))
    return ByteMemory(context: context, addressWidth: addressWidth, base: array, fill: 0)
  }

  /// A memory whose every byte is `fill`.
  public static func constant(_ fill: UInt8, addressWidth: Int, in context: Z3Context) -> ByteMemory {
    ByteMemory(context: context, addressWidth: addressWidth, base: nil, fill: fill)
  }

  public func loadByte(_ address: BitVec) -> BitVec {
    precondition(address.width == addressWidth, "address width \(address.width) ≠ \(addressWidth)")
    let at = address.simplified
    let numeral = at.numeral
    var value: BitVec
    if let numeral, let latest = latestWrite[numeral] {
      // The latest write here decides, unless a later write to a symbolic address hits it too.
      value = writes[latest].byte
      for index in symbolicWrites where index > latest {
        value = (at == writes[index].address).ite(writes[index].byte, value)
      }
      return value
    }
    if let base {
      let index = at.ast(in: context)
      value = withExtendedLifetime(index) {
        BitVec(context.wrap(Z3_mk_select(context.raw, base.raw, index.raw)), width: 8)
      }
    } else {
      value = BitVec(UInt64(fill), width: 8)
    }
    if numeral != nil {
      // No write at this numeral address: only symbolic-address writes can reach it.
      for index in symbolicWrites {
        value = (at == writes[index].address).ite(writes[index].byte, value)
      }
      return value
    }
    for write in writes {
      value = (at == write.address).ite(write.byte, value)
    }
    return value
  }

  /// `bytes` bytes from `address` upward, the first byte least significant.
  public func load(_ address: BitVec, bytes: Int) -> BitVec {
    var value = loadByte(address)
    for index in 1..<max(bytes, 1) {
      value = loadByte(address + address.constant(UInt64(index))).concat(value)
    }
    return value
  }

  public func storeByte(_ address: BitVec, _ byte: BitVec) -> ByteMemory {
    var copy = self
    copy.writeByte(address, byte)
    return copy
  }

  /// Stores one byte in place (no copy of the write list: building large memories stays linear).
  public mutating func writeByte(_ address: BitVec, _ byte: BitVec) {
    precondition(byte.width == 8, "storeByte takes 8 bits")
    let at = address.simplified
    let numeral = at.numeral
    if let numeral {
      latestWrite[numeral] = writes.count
    } else {
      symbolicWrites.append(writes.count)
    }
    writes.append((at, numeral, byte))
  }

  /// Stores all of `value` (a multiple of 8 bits) little-endian from `address`.
  public func store(_ address: BitVec, _ value: BitVec) -> ByteMemory {
    precondition(value.width % 8 == 0, "store of \(value.width) bits")
    var memory = self
    for index in 0..<(value.width / 8) {
      memory.writeByte(address + address.constant(UInt64(index)), value.extract(index * 8 + 7, index * 8))
    }
    return memory
  }
}

extension BitVec {
  /// The term after Z3's rewriter; a term that folds to a numeral becomes a concrete value.
  public var simplified: BitVec {
    guard case .term(let ast) = storage else { return self }
    let z3 = ast.context
    let folded = Z3_is_numeral_ast(z3.raw, ast.raw) ? ast : z3.wrap(Z3_simplify(z3.raw, ast.raw))
    guard Z3_is_numeral_ast(z3.raw, folded.raw), let text = Z3_get_numeral_string(z3.raw, folded.raw),
      let value = UInt128(String(cString: text))
    else { return BitVec(folded, width: width) }
    return BitVec(wide: value, width: width)
  }

  /// The value when it is concrete (or a numeral term) of at most 64 bits.
  public var numeral: UInt64? {
    guard width <= 64 else { return nil }
    switch storage {
    case .value(let value): return UInt64(value)
    case .term(let ast):
      guard Z3_is_numeral_ast(ast.context.raw, ast.raw) else { return nil }
      var value: UInt64 = 0
      return Z3_get_numeral_uint64(ast.context.raw, ast.raw, &value) ? value : nil
    }
  }
}

extension Formula {
  /// The formula after Z3's rewriter; `true` and `false` become concrete.
  public var simplified: Formula {
    guard case .term(let ast) = storage else { return self }
    let folded = Formula(ast.context.wrap(Z3_simplify(ast.context.raw, ast.raw)))
    if folded.isTrue { return Formula(true) }
    if folded.isFalse { return Formula(false) }
    return folded
  }

  /// Whether the formula is the literal `true` (after simplification, say).
  public var isTrue: Bool {
    switch storage {
    case .truth(let value): value
    case .term(let ast): Z3_get_bool_value(ast.context.raw, ast.raw) == Z3_L_TRUE
    }
  }
  /// Whether the formula is the literal `false`.
  public var isFalse: Bool {
    switch storage {
    case .truth(let value): !value
    case .term(let ast): Z3_get_bool_value(ast.context.raw, ast.raw) == Z3_L_FALSE
    }
  }
}
