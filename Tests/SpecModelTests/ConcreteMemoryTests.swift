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

  /// A store of each width, at every offset where it fits, writes its bytes little-endian and
  /// marks each as written by the store, and leaves every other byte and writer as it was: a store
  /// is written as words of its size.
  @Test func storesOfEveryWidthWriteTheirBytesAndWriters() {
    let value: UInt128 = 0x0F1E_2D3C_4B5A_6978_8796_A5B4_C3D2_E1F0
    for bytes in [1, 2, 4, 8, 16] {
      for offset in 0...(size - bytes) {
        var stored = memory()
        let before = memory()
        stored.write(base + UInt64(offset), value: value, bytes: bytes, by: 7, mask: .max)
        for at in 0..<size {
          let address = base + UInt64(at)
          let (byte, writer) = stored.byteAndWriter(at: address)
          if at >= offset && at < offset + bytes {
            #expect(byte == UInt8(truncatingIfNeeded: value >> UInt128(8 * (at - offset))), "\(bytes) at +\(offset)")
            #expect(writer == 7, "\(bytes) at +\(offset)")
          } else {
            #expect(byte == before.byte(at: address) && writer == before.writer(at: address), "\(bytes) at +\(offset)")
          }
        }
      }
    }
  }

  /// An observed window that is exactly a region is compared word by word: a difference in any
  /// byte, the last bytes past the whole words included, is seen.
  @Test func anObservedRegionDisagreesInAnyByte() {
    let odd = 43
    let map = MemoryMap(regions: [.init(base: base, size: UInt64(odd), access: .readWrite)])
    let bytes = (0..<odd).map { UInt8(truncatingIfNeeded: 0x1D * $0 + 3) }
    let memory = ConcreteMemory(map: map, initial: ByteMap(base: base, bytes: bytes))
    #expect(memory.agrees(with: ByteMap(base: base, bytes: bytes)))
    for position in 0..<odd {
      var changed = bytes
      changed[position] ^= 0x40
      #expect(!memory.agrees(with: ByteMap(base: base, bytes: changed)), "byte \(position)")
    }
  }

  /// Filling the regions word by word sets what `set(_:word:)` at each word's address sets, in the
  /// same order, a last word that runs past a region (here into the next one) included.
  @Test func fillingRegionsMatchesSettingEachWord() {
    let map = MemoryMap(regions: [
      .init(base: 0x2000, size: 20, access: .readWrite), .init(base: 0x2014, size: 16, access: .readOnly),
    ])
    func word(_ address: UInt64) -> UInt64 { address &* 0x9E37_79B9_7F4A_7C15 }
    var filled = ConcreteMemory(map: map, initial: [:])
    var order: [UInt64] = []
    filled.fillRegions { address in
      order.append(address)
      return word(address)
    }
    var expected = ConcreteMemory(map: map, initial: [:])
    for region in map.regions {
      for offset in stride(from: UInt64(0), to: region.size, by: 8) {
        expected.set(region.base + offset, word: word(region.base + offset))
      }
    }
    #expect(order == [0x2000, 0x2008, 0x2010, 0x2014, 0x201C])
    #expect(filled.bytes == expected.bytes)
    #expect(filled.byte(at: 0x2014) == UInt8(truncatingIfNeeded: word(0x2014)))
  }

  /// Taking an image's bytes holds them in each region a window of the image matches exactly, and
  /// leaves the other regions, and every writer, as they were.
  @Test func takingAnImagesBytesFillsTheRegionsItsWindowsMatch() {
    let map = MemoryMap(regions: [
      .init(base: 0x3000, size: 8, access: .readWrite), .init(base: 0x3100, size: 4, access: .readOnly),
    ])
    var memory = ConcreteMemory(map: map, initial: [:])
    memory.write(0x3000, value: 0xEE, bytes: 1, by: 7, mask: .max)
    // One window is exactly the first region; the other is shorter than the second.
    var image = ByteMap(base: 0x3000, bytes: Array(1...8))
    image.append(base: 0x3100, bytes: [9, 9])
    memory.takeBytes(of: image)
    var expected = ByteMap(base: 0x3000, bytes: Array(1...8))
    expected.append(base: 0x3100, bytes: [0, 0, 0, 0])
    #expect(memory.bytes == expected)
    #expect(memory.writer(at: 0x3000) == 7 && memory.writer(at: 0x3001) == -1)
  }
}
