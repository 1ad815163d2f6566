import Testing

@testable import SpecModel

/// Reads of several bytes at once (a load, a memo's check, an aimed amocas's view) must give what
/// reading the bytes one at a time gives, at every offset of a region: the fast path reads a
/// block of sixteen where the region has one, and the bytes one by one near its end.
@Suite struct ConcreteMemoryTests {
  let base: UInt64 = 0x1000
  let size = 40

  func memory() -> ConcreteMemory {
    let map = MemoryMap(regions: [.init(base: base, size: UInt64(size), access: .readWrite)])
    var memory = ConcreteMemory(
      map: map, initial: ByteMap(base: base, bytes: (0..<size).map { UInt8(truncatingIfNeeded: 0x11 * $0 + 7) }))
    // Writers that differ byte by byte, so that a lane taken from the wrong byte shows.
    for offset in stride(from: 0, to: size, by: 3) {
      memory.write(base + UInt64(offset), value: 0xA5, bytes: 1, by: 100 + offset, mask: .max)
    }
    return memory
  }

  @Test func blockReadsAgreeWithByteReadsAtEveryOffsetAndWidth() {
    let memory = memory()
    for offset in 0..<size {
      for count in 1...16 {
        let address = base + UInt64(offset)
        guard offset + count <= size else {
          #expect(memory.value(at: address, count: count) == nil)
          continue
        }
        var expected: UInt128 = 0
        var writers = SIMD16<Int32>(repeating: -1)
        for byte in 0..<count {
          let (piece, writer) = memory.byteAndWriter(at: address + UInt64(byte))
          expected |= UInt128(piece) << UInt128(8 * byte)
          writers[byte] = Int32(writer)
        }
        #expect(memory.value(at: address, count: count) == expected, "value at +\(offset), \(count) bytes")
        let both = memory.bytesAndWriters(at: address, count: count)
        #expect(both?.0 == expected, "bytes at +\(offset), \(count) bytes")
        // Lanes past the access hold -1, as a view of the access expects.
        #expect(both?.1 == writers, "writers at +\(offset), \(count) bytes")
      }
    }
  }
}
