import Testing

@testable import SpecModel

/// Memory states as runs of bytes: written in any order, they hold and compare like a dictionary.
@Suite struct ByteMapTests {
  @Test func readsAndWritesLikeADictionary() {
    var map = ByteMap()
    var reference: [UInt64: UInt8] = [:]
    var state: UInt64 = 5
    for _ in 0..<2_000 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let address = 0x8001_0000 &+ (state >> 40) % 96
      let value: UInt8? = (state >> 20) % 7 == 0 ? nil : UInt8(truncatingIfNeeded: state >> 8)
      map[address] = value
      reference[address] = value
      #expect(map[address] == value)
    }
    #expect(map.count == reference.count)
    #expect(map.keys == reference.keys.sorted())
    #expect(Dictionary(uniqueKeysWithValues: map.map { ($0.key, $0.value) }) == reference)
    // However it was written, the same contents are equal and hash alike.
    let rebuilt = ByteMap(reference)
    #expect(rebuilt == map && rebuilt.hashValue == map.hashValue)
    // Touching runs are one run.
    #expect(map.windows.allSatisfy { !$0.bytes.isEmpty })
    for (first, second) in zip(map.windows, map.windows.dropFirst()) {
      #expect(first.base + UInt64(first.bytes.count) < second.base)
    }
  }

  @Test func windowsAndTheTopOfTheAddressSpace() {
    var map = ByteMap(base: 0x100, bytes: [1, 2, 3])
    map.append(base: 0x103, bytes: [4])
    map.append(base: 0x200, bytes: [9])
    #expect(map.windows.count == 2 && map[0x103] == 4 && map[0x104] == nil)
    map[UInt64.max] = 7
    map[UInt64.max - 1] = 6
    #expect(map[UInt64.max] == 7 && map.windows.last?.bytes == [6, 7])
    map[0x101] = nil
    #expect(map[0x100] == 1 && map[0x101] == nil && map[0x102] == 3 && map.count == 6)
    #expect(map != ByteMap(base: 0x100, bytes: [1, 2, 3]))
  }
}
