import Testing

@testable import DiffCheck

/// Reads back the fields of an ELF file that loaders depend on.
struct ELFReader {
  let bytes: [UInt8]
  var wide: Bool { bytes[4] == 2 }

  func unsigned(_ offset: Int, _ count: Int) -> UInt64 {
    (0..<count).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
  }
  func word(_ offset: Int) -> UInt64 { unsigned(offset, wide ? 8 : 4) }

  var entry: UInt64 { word(24) }
  var programHeaders: (offset: Int, count: Int) {
    (Int(word(wide ? 32 : 28)), Int(unsigned(wide ? 56 : 44, 2)))
  }
  var sectionHeaders: (offset: Int, size: Int, count: Int) {
    (Int(word(wide ? 40 : 32)), Int(unsigned(wide ? 58 : 46, 2)), Int(unsigned(wide ? 60 : 48, 2)))
  }

  /// (type, file offset, address, file size, flags) of each program header.
  var segments: [(type: UInt64, offset: Int, address: UInt64, size: Int, flags: UInt64)] {
    let (start, count) = programHeaders
    let size = wide ? 56 : 32
    return (0..<count).map { index in
      let at = start + index * size
      if wide {
        return (unsigned(at, 4), Int(word(at + 8)), word(at + 16), Int(word(at + 32)), unsigned(at + 4, 4))
      }
      return (unsigned(at, 4), Int(word(at + 4)), word(at + 8), Int(word(at + 16)), unsigned(at + 24, 4))
    }
  }

  /// Symbols by name, found through the SHT_SYMTAB section and its linked string table.
  var symbols: [String: UInt64] {
    let (start, size, count) = sectionHeaders
    func section(_ index: Int) -> (type: UInt64, offset: Int, size: Int, link: Int) {
      let at = start + index * size
      return wide
        ? (unsigned(at + 4, 4), Int(word(at + 24)), Int(word(at + 32)), Int(unsigned(at + 40, 4)))
        : (unsigned(at + 4, 4), Int(word(at + 16)), Int(word(at + 20)), Int(unsigned(at + 24, 4)))
    }
    guard let table = (0..<count).map(section).first(where: { $0.type == 2 }) else { return [:] }
    let strings = section(table.link)
    let entrySize = wide ? 24 : 16
    var result: [String: UInt64] = [:]
    for index in 1..<(table.size / entrySize) {
      let at = table.offset + index * entrySize
      let nameOffset = strings.offset + Int(unsigned(at, 4))
      let name = String(decoding: bytes[nameOffset...].prefix { $0 != 0 }, as: UTF8.self)
      result[name] = wide ? word(at + 8) : word(at + 4)
    }
    return result
  }
}

@Suite struct ELFImageTests {
  func image(xlen: Int) -> ELFImage {
    ELFImage(
      xlen: xlen, entry: 0x8000_0010,
      segments: [
        .init(
          name: ".text", address: 0x8000_0000, bytes: [0x13, 0, 0, 0, 0x6F, 0, 0, 0], writable: false, executable: true),
        .init(
          name: ".data", address: 0x8000_1000, bytes: Array(repeating: 0xAB, count: 40), writable: true,
          executable: false),
      ],
      symbols: [("tohost", 0x8000_1000), ("fromhost", 0x8000_1008), ("begin_signature", 0x8000_1010)])
  }

  @Test(arguments: [32, 64])
  func headerSegmentsAndSymbolsReadBack(xlen: Int) {
    let bytes = image(xlen: xlen).encoded()
    let reader = ELFReader(bytes: bytes)
    #expect(Array(bytes[0..<4]) == [0x7F, 0x45, 0x4C, 0x46])
    #expect(bytes[4] == (xlen == 64 ? 2 : 1))
    #expect(bytes[5] == 1)  // little-endian
    #expect(reader.unsigned(16, 2) == 2)  // executable
    #expect(reader.unsigned(18, 2) == 243)  // RISC-V
    #expect(reader.entry == 0x8000_0010)
    let segments = reader.segments
    #expect(segments.count == 2)
    #expect(segments.allSatisfy { $0.type == 1 })
    #expect(segments[0].address == 0x8000_0000 && segments[0].size == 8 && segments[0].flags == 5)
    #expect(Array(bytes[segments[0].offset..<segments[0].offset + 8]) == [0x13, 0, 0, 0, 0x6F, 0, 0, 0])
    #expect(segments[1].flags == 6)
    #expect(Array(bytes[segments[1].offset..<segments[1].offset + 40]) == Array(repeating: 0xAB, count: 40))
    #expect(reader.symbols == ["tohost": 0x8000_1000, "fromhost": 0x8000_1008, "begin_signature": 0x8000_1010])
  }
}
