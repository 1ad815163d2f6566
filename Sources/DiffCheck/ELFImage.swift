/// A statically linked RISC-V ELF executable, written without an assembler or linker: loadable
/// segments, an entry point and a symbol table (Spike finds `tohost` and the signature bounds there).
public struct ELFImage: Sendable {
  public struct Segment: Sendable {
    public let name: String
    public let address: UInt64
    public var bytes: [UInt8]
    public let readable: Bool
    public let writable: Bool
    public let executable: Bool

    public init(name: String, address: UInt64, bytes: [UInt8], writable: Bool, executable: Bool) {
      self.name = name
      self.address = address
      self.bytes = bytes
      self.readable = true
      self.writable = writable
      self.executable = executable
    }
  }

  public let xlen: Int
  public let entry: UInt64
  public var segments: [Segment]
  /// Global symbols: name and address.
  public var symbols: [(name: String, address: UInt64)]

  public init(xlen: Int, entry: UInt64, segments: [Segment], symbols: [(name: String, address: UInt64)] = []) {
    precondition(xlen == 32 || xlen == 64)
    self.xlen = xlen
    self.entry = entry
    self.segments = segments
    self.symbols = symbols
  }

  // ELF constants used below (System V ABI, RISC-V psABI).
  private static let machineRISCV: UInt16 = 243
  private static let typeExecutable: UInt16 = 2
  private static let programLoad: UInt32 = 1
  private static let sectionProgramBits: UInt32 = 1
  private static let sectionSymbolTable: UInt32 = 2
  private static let sectionStringTable: UInt32 = 3
  private static let sectionAbsolute: UInt16 = 0xFFF1
  private static let globalObject: UInt8 = 0x11
  private static let pageSize = 0x1000

  /// The file's bytes.
  public func encoded() -> [UInt8] {
    let wide = xlen == 64
    let headerSize = wide ? 64 : 52
    let programHeaderSize = wide ? 56 : 32
    let sectionHeaderSize = wide ? 64 : 40
    let symbolSize = wide ? 24 : 16

    var writer = ByteWriter()
    // Layout: header, program headers, segment contents, symbols, strings, section headers.
    let programHeadersAt = headerSize
    var offset = programHeadersAt + programHeaderSize * segments.count
    var segmentOffsets: [Int] = []
    for segment in segments {
      // Loaders map segments page by page: file offset and address agree modulo the page size.
      offset = align(offset, Self.pageSize) + Int(segment.address % UInt64(Self.pageSize))
      segmentOffsets.append(offset)
      offset += segment.bytes.count
    }

    var strings = StringTable()
    var symbolBytes = ByteWriter()
    symbolBytes.zeros(symbolSize)  // the reserved null symbol
    for symbol in symbols {
      let name = strings.add(symbol.name)
      if wide {
        symbolBytes.u32(name)
        symbolBytes.u8(Self.globalObject)
        symbolBytes.u8(0)
        symbolBytes.u16(Self.sectionAbsolute)
        symbolBytes.u64(symbol.address)
        symbolBytes.u64(0)
      } else {
        symbolBytes.u32(name)
        symbolBytes.u32(UInt32(truncatingIfNeeded: symbol.address))
        symbolBytes.u32(0)
        symbolBytes.u8(Self.globalObject)
        symbolBytes.u8(0)
        symbolBytes.u16(Self.sectionAbsolute)
      }
    }
    offset = align(offset, 8)
    let symbolsAt = offset
    offset += symbolBytes.bytes.count
    let stringsAt = offset
    offset += strings.bytes.count

    var sectionNames = StringTable()
    let segmentNames = segments.map { sectionNames.add($0.name) }
    let symtabName = sectionNames.add(".symtab")
    let strtabName = sectionNames.add(".strtab")
    let shstrtabName = sectionNames.add(".shstrtab")
    let sectionNamesAt = offset
    offset += sectionNames.bytes.count
    offset = align(offset, 8)
    let sectionHeadersAt = offset
    let sectionCount = 1 + segments.count + 3
    let symtabIndex = 1 + segments.count

    // File header.
    writer.bytes += [0x7F, 0x45, 0x4C, 0x46, wide ? 2 : 1, 1, 1, 0]
    writer.zeros(8)
    writer.u16(Self.typeExecutable)
    writer.u16(Self.machineRISCV)
    writer.u32(1)
    writer.word(entry, wide)
    writer.word(UInt64(programHeadersAt), wide)
    writer.word(UInt64(sectionHeadersAt), wide)
    writer.u32(0)  // flags: no compressed instructions, soft-float ABI
    writer.u16(UInt16(headerSize))
    writer.u16(UInt16(programHeaderSize))
    writer.u16(UInt16(segments.count))
    writer.u16(UInt16(sectionHeaderSize))
    writer.u16(UInt16(sectionCount))
    writer.u16(UInt16(sectionCount - 1))

    // Program headers.
    for (segment, fileOffset) in zip(segments, segmentOffsets) {
      let flags: UInt32 = (segment.executable ? 1 : 0) | (segment.writable ? 2 : 0) | (segment.readable ? 4 : 0)
      let size = UInt64(segment.bytes.count)
      writer.u32(Self.programLoad)
      if wide { writer.u32(flags) }
      writer.word(UInt64(fileOffset), wide)
      writer.word(segment.address, wide)
      writer.word(segment.address, wide)
      writer.word(size, wide)
      writer.word(size, wide)
      if !wide { writer.u32(flags) }
      writer.word(UInt64(Self.pageSize), wide)
    }

    // Contents.
    for (segment, fileOffset) in zip(segments, segmentOffsets) {
      writer.zeros(fileOffset - writer.bytes.count)
      writer.bytes += segment.bytes
    }
    writer.zeros(symbolsAt - writer.bytes.count)
    writer.bytes += symbolBytes.bytes
    writer.bytes += strings.bytes
    writer.bytes += sectionNames.bytes
    writer.zeros(sectionHeadersAt - writer.bytes.count)

    // Section headers: null, one per segment, then the symbol table and the two string tables.
    func section(
      name: UInt32, type: UInt32, flags: UInt64, address: UInt64, offset: Int, size: Int, link: UInt32 = 0,
      info: UInt32 = 0, alignment: UInt64 = 1, entrySize: UInt64 = 0
    ) {
      writer.u32(name)
      writer.u32(type)
      writer.word(flags, wide)
      writer.word(address, wide)
      writer.word(UInt64(offset), wide)
      writer.word(UInt64(size), wide)
      writer.u32(link)
      writer.u32(info)
      writer.word(alignment, wide)
      writer.word(entrySize, wide)
    }
    writer.zeros(sectionHeaderSize)
    for (index, segment) in segments.enumerated() {
      let flags: UInt64 = 2 | (segment.writable ? 1 : 0) | (segment.executable ? 4 : 0)  // ALLOC, WRITE, EXECINSTR
      section(
        name: segmentNames[index], type: Self.sectionProgramBits, flags: flags, address: segment.address,
        offset: segmentOffsets[index], size: segment.bytes.count, alignment: 16)
    }
    section(
      name: symtabName, type: Self.sectionSymbolTable, flags: 0, address: 0, offset: symbolsAt,
      size: symbolBytes.bytes.count, link: UInt32(symtabIndex + 1), info: 1, alignment: 8,
      entrySize: UInt64(symbolSize))
    section(
      name: strtabName, type: Self.sectionStringTable, flags: 0, address: 0, offset: stringsAt,
      size: strings.bytes.count)
    section(
      name: shstrtabName, type: Self.sectionStringTable, flags: 0, address: 0, offset: sectionNamesAt,
      size: sectionNames.bytes.count)
    return writer.bytes
  }

}

/// Little-endian byte output.
struct ByteWriter {
  var bytes: [UInt8] = []

  mutating func u8(_ value: UInt8) { bytes.append(value) }
  mutating func u16(_ value: UInt16) { little(UInt64(value), 2) }
  mutating func u32(_ value: UInt32) { little(UInt64(value), 4) }
  mutating func u64(_ value: UInt64) { little(value, 8) }
  /// An address-sized field: 8 bytes in ELF64, 4 in ELF32.
  mutating func word(_ value: UInt64, _ wide: Bool) { little(value, wide ? 8 : 4) }
  mutating func zeros(_ count: Int) { bytes += [UInt8](repeating: 0, count: max(count, 0)) }

  mutating func little(_ value: UInt64, _ count: Int) {
    for index in 0..<count { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
  }
}

/// A NUL-separated string table whose first byte is the empty name.
struct StringTable {
  var bytes: [UInt8] = [0]

  mutating func add(_ name: String) -> UInt32 {
    let offset = UInt32(bytes.count)
    bytes += Array(name.utf8) + [0]
    return offset
  }
}

/// `value` rounded up to a multiple of `alignment`.
func align(_ value: Int, _ alignment: Int) -> Int { (value + alignment - 1) / alignment * alignment }
