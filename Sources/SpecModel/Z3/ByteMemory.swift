import CZ3

/// Byte-addressed memory as a Z3 array from `addressWidth`-bit addresses to bytes.
/// Multi-byte accesses are little-endian.
public struct ByteMemory: CustomStringConvertible {
  public let ast: Z3Ast
  public let addressWidth: Int

  init(_ ast: Z3Ast, addressWidth: Int) {
    self.ast = ast
    self.addressWidth = addressWidth
  }

  public var context: Z3Context { ast.context }
  public var description: String { ast.smtText }

  /// A free memory: every byte unknown.
  public static func variable(_ name: String, addressWidth: Int, in context: Z3Context) -> ByteMemory {
    let sort = Z3_mk_array_sort(
      context.raw, context.bitVectorSort(addressWidth), context.bitVectorSort(8))
    return ByteMemory(
      context.wrap(Z3_mk_const(context.raw, context.symbol(name), sort)), addressWidth: addressWidth)
  }

  /// A memory whose every byte is `fill`.
  public static func constant(_ fill: UInt8, addressWidth: Int, in context: Z3Context) -> ByteMemory {
    let value = context.bv(UInt64(fill), width: 8)
    return ByteMemory(
      context.wrap(Z3_mk_const_array(context.raw, context.bitVectorSort(addressWidth), value.raw)),
      addressWidth: addressWidth)
  }

  public func loadByte(_ address: BitVec) -> BitVec {
    precondition(address.width == addressWidth, "address width \(address.width) ≠ \(addressWidth)")
    return BitVec(context.wrap(Z3_mk_select(context.raw, ast.raw, address.raw)), width: 8)
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
    precondition(byte.width == 8, "storeByte takes 8 bits")
    return ByteMemory(
      context.wrap(Z3_mk_store(context.raw, ast.raw, address.raw, byte.raw)),
      addressWidth: addressWidth)
  }

  /// Stores all of `value` (a multiple of 8 bits) little-endian from `address`.
  public func store(_ address: BitVec, _ value: BitVec) -> ByteMemory {
    precondition(value.width % 8 == 0, "store of \(value.width) bits")
    var memory = self
    for index in 0..<(value.width / 8) {
      memory = memory.storeByte(
        address + address.constant(UInt64(index)), value.extract(index * 8 + 7, index * 8))
    }
    return memory
  }

  public static func == (l: ByteMemory, r: ByteMemory) -> Formula {
    precondition(l.context === r.context, "memories from different Z3 contexts")
    return Formula(l.context.wrap(Z3_mk_eq(l.context.raw, l.ast.raw, r.ast.raw)))
  }
}
