/// Memory as bytes: one array per region of the memory map, and a small table for bytes a test
/// states outside every region (readable in principle, never reachable without a trap).
public struct ConcreteMemory: Sendable {
  @usableFromInline struct Region: Sendable {
    @usableFromInline let base: UInt64
    @usableFromInline var bytes: [UInt8]
    /// The program index of the instruction that last wrote each byte (-1: the initial state).
    var writers: [Int32]
  }

  @usableFromInline var regions: [Region]
  var outside: [UInt64: UInt8] = [:]

  /// Memory over `map` holding `initial` (bytes not given read as zero).
  public init(map: MemoryMap, initial: ByteMap) {
    regions = map.regions.map {
      Region(
        base: $0.base, bytes: Array(repeating: 0, count: Int($0.size)),
        writers: Array(repeating: -1, count: Int($0.size)))
    }
    for window in initial.windows {
      // A window that is exactly a region (as prepared states are) is one copy.
      if let index = region(exactly: window.base, count: window.bytes.count) {
        regions[index].bytes = window.bytes
        continue
      }
      for (offset, byte) in window.bytes.enumerated() {
        let address = window.base &+ UInt64(offset)
        if let (region, offset) = locate(address) {
          regions[region].bytes[offset] = byte
        } else {
          outside[address] = byte
        }
      }
    }
  }

  /// Holds `image`'s bytes in the regions its windows match exactly, taking the windows' arrays
  /// rather than copying them. A test generator that fills its image anew for every test hands it
  /// the image of a test that is done with: the arrays are then held by the image alone, and
  /// filling it needs no copy of arrays the last test's state still holds.
  public mutating func takeBytes(of image: ByteMap) {
    for run in image.runs {
      if let index = region(exactly: run.base, count: run.bytes.count) { regions[index].bytes = run.bytes }
    }
  }

  /// The region that is exactly the `count` bytes from `base`, if there is one.
  private func region(exactly base: UInt64, count: Int) -> Int? {
    regions.firstIndex { $0.base == base && $0.bytes.count == count }
  }

  /// Takes `other`'s contents into this memory's own storage when both have the same regions, so
  /// that a machine running one program again and again need not copy the memory at the first
  /// store of every run (when nothing else holds that storage).
  mutating func assign(_ other: ConcreteMemory) {
    guard regions.count == other.regions.count,
      zip(regions, other.regions).allSatisfy({ $0.base == $1.base && $0.bytes.count == $1.bytes.count })
    else {
      self = other
      return
    }
    // Through the region arrays' buffers: an element read by index was a copy, its arrays counted.
    other.regions.withUnsafeBufferPointer { sources in
      regions.withUnsafeMutableBufferPointer { targets in
        for index in targets.indices {
          targets[index].bytes.withUnsafeMutableBufferPointer { target in
            sources[index].bytes.withUnsafeBufferPointer { _ = target.update(fromContentsOf: $0) }
          }
          targets[index].writers.withUnsafeMutableBufferPointer { target in
            sources[index].writers.withUnsafeBufferPointer { _ = target.update(fromContentsOf: $0) }
          }
        }
      }
    }
    // Bytes outside every region are rare: two empty tables are left as they are.
    if !(outside.isEmpty && other.outside.isEmpty) { outside = other.outside }
  }

  @inline(__always) func locate(_ address: UInt64) -> (Int, Int)? {
    for index in regions.indices {
      let offset = address &- regions[index].base
      if offset < UInt64(regions[index].bytes.count) { return (index, Int(offset)) }
    }
    return nil
  }

  @inline(__always) public func byte(at address: UInt64) -> UInt8 {
    if let (region, offset) = locate(address) { return regions[region].bytes[offset] }
    return outside[address] ?? 0
  }

  /// The `count` bytes from `address`, little-endian, with the instruction that last wrote each
  /// (-1: none did), when they lie in one region; nil otherwise.
  @inline(__always) func bytesAndWriters(at address: UInt64, count: Int) -> (UInt128, SIMD16<Int32>)? {
    // The region is looked up once for the bytes and their writers.
    guard let (region, offset) = span(at: address, count: count) else { return nil }
    let value = value(in: region, at: offset, count: count)
    var writers = SIMD16<Int32>(repeating: -1)
    regions[region].writers.withUnsafeBytes { all in
      withUnsafeMutableBytes(of: &writers) { lanes in
        let source = all.baseAddress! + 4 * offset
        // A copy of a size known here is a few moves; of `count` lanes, a call to memmove.
        switch count {
        case 1: lanes.baseAddress!.copyMemory(from: source, byteCount: 4)
        case 2: lanes.baseAddress!.copyMemory(from: source, byteCount: 8)
        case 4: lanes.baseAddress!.copyMemory(from: source, byteCount: 16)
        case 8: lanes.baseAddress!.copyMemory(from: source, byteCount: 32)
        case 16: lanes.baseAddress!.copyMemory(from: source, byteCount: 64)
        default: lanes.baseAddress!.copyMemory(from: source, byteCount: 4 * count)
        }
      }
    }
    return (value, writers)
  }

  /// The `count` bytes from `address`, little-endian, when they lie in one region; nil otherwise.
  @inline(__always) func value(at address: UInt64, count: Int) -> UInt128? {
    guard let (region, offset) = span(at: address, count: count) else { return nil }
    return value(in: region, at: offset, count: count)
  }

  /// The region and offset of `count` bytes (at most sixteen) from `address`, when they lie in one
  /// region.
  @inline(__always) private func span(at address: UInt64, count: Int) -> (Int, Int)? {
    guard let (region, offset) = locate(address), offset + count <= regions[region].bytes.count, count <= 16
    else { return nil }
    return (region, offset)
  }

  /// The `count` bytes at `offset` of region `region`, which holds them, little-endian.
  @inline(__always) private func value(in region: Int, at offset: Int, count: Int) -> UInt128 {
    regions[region].bytes.withUnsafeBytes { bytes in
      // Sixteen bytes read as two words and masked to `count`, where the region has them: a copy
      // of `count` bytes is a call to memmove.
      if offset + 16 <= bytes.count {
        let low = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        let high = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
        return (UInt128(high) << 64 | UInt128(low)) & BitVec.mask(8 * count)
      }
      var value: UInt128 = 0
      for byte in 0..<count { value |= UInt128(bytes[offset + byte]) << UInt128(8 * byte) }
      return value
    }
  }

  /// The byte at `address` and the instruction that last wrote it (-1: none did).
  @inline(__always) func byteAndWriter(at address: UInt64) -> (UInt8, Int) {
    if let (region, offset) = locate(address) {
      return (regions[region].bytes[offset], Int(regions[region].writers[offset]))
    }
    return (outside[address] ?? 0, -1)
  }

  /// The instruction that last wrote the byte at `address` (-1: none did).
  @inline(__always) public func writer(at address: UInt64) -> Int {
    if let (region, offset) = locate(address) { return Int(regions[region].writers[offset]) }
    return -1
  }

  @inline(__always) mutating func write(_ address: UInt64, value: UInt128, bytes: Int, by index: Int, mask: UInt64) {
    // Within one region (every store that does not trap): one lookup for the whole access.
    if let (region, offset) = locate(address), offset + bytes <= regions[region].bytes.count {
      // Stored as whole words of the access's size: a byte at a time, each byte was a shift of
      // the 128-bit value.
      regions[region].bytes.withUnsafeMutableBytes { stored in
        let low = UInt64(truncatingIfNeeded: value)
        switch bytes {
        case 1: stored.storeBytes(of: UInt8(truncatingIfNeeded: low), toByteOffset: offset, as: UInt8.self)
        case 2:
          stored.storeBytes(of: UInt16(truncatingIfNeeded: low).littleEndian, toByteOffset: offset, as: UInt16.self)
        case 4:
          stored.storeBytes(of: UInt32(truncatingIfNeeded: low).littleEndian, toByteOffset: offset, as: UInt32.self)
        case 8: stored.storeBytes(of: low.littleEndian, toByteOffset: offset, as: UInt64.self)
        case 16:
          stored.storeBytes(of: low.littleEndian, toByteOffset: offset, as: UInt64.self)
          stored.storeBytes(
            of: UInt64(truncatingIfNeeded: value >> 64).littleEndian, toByteOffset: offset + 8, as: UInt64.self)
        default:
          for byte in 0..<bytes { stored[offset + byte] = UInt8(truncatingIfNeeded: value >> UInt128(8 * byte)) }
        }
      }
      regions[region].writers.withUnsafeMutableBufferPointer { writers in
        (writers.baseAddress! + offset).update(repeating: Int32(index), count: bytes)
      }
      return
    }
    for byte in 0..<bytes {
      let at = (address &+ UInt64(byte)) & mask
      let piece = UInt8(truncatingIfNeeded: value >> UInt128(8 * byte))
      if let (region, offset) = locate(at) {
        regions[region].bytes[offset] = piece
        regions[region].writers[offset] = Int32(index)
      } else {
        outside[at] = piece
      }
    }
  }

  /// Drops the bytes a test stated outside every region, keeping the regions' storage: for a
  /// generator that fills every region anew for each program.
  public mutating func forgetOutside() { outside.removeAll() }

  /// Sets a byte of the initial state (for preparing a test).
  public mutating func set(_ address: UInt64, _ byte: UInt8) {
    if let (region, offset) = locate(address) {
      regions[region].bytes[offset] = byte
    } else {
      outside[address] = byte
    }
  }

  /// Whether every lane of `writers` (a span's writers as `bytesAndWriters` and
  /// `PreStep.peekBytes` give them, -1 past the span) is -1: no instruction wrote the span. Read as
  /// eight words: the generic vector comparison costs hundreds of instructions.
  @inlinable public static func noneWritten(_ writers: SIMD16<Int32>) -> Bool {
    withUnsafeBytes(of: writers) { raw in
      (0..<8).allSatisfy { raw.load(fromByteOffset: 8 * $0, as: UInt64.self) == .max }
    }
  }

  /// Sets the `count` bytes (at most sixteen) from `address` to `value`, little-endian, wrapping
  /// at `mask`; their writers are left as they are.
  public mutating func set(_ address: UInt64, bytes value: UInt128, count: Int, mask: UInt64) {
    if let (region, offset) = span(at: address, count: count) {
      regions[region].bytes.withUnsafeMutableBytes { stored in
        withUnsafeBytes(of: value.littleEndian) {
          stored.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: count)
        }
      }
      return
    }
    for byte in 0..<count {
      set((address &+ UInt64(byte)) & mask, UInt8(truncatingIfNeeded: value >> UInt128(8 * byte)))
    }
  }

  /// Sets the eight bytes of the initial state at `address` to `word`, little-endian.
  public mutating func set(_ address: UInt64, word: UInt64) {
    if let (region, offset) = locate(address), offset + 8 <= regions[region].bytes.count {
      regions[region].bytes.withUnsafeMutableBytes { buffer in
        buffer.storeBytes(of: word.littleEndian, toByteOffset: offset, as: UInt64.self)
      }
      return
    }
    for byte in 0..<UInt64(8) { set(address &+ byte, UInt8(truncatingIfNeeded: word >> (8 * byte))) }
  }

  /// Sets each region's bytes, eight at a time from its base in the map's order, to
  /// `word(address)`, little-endian: a generator draws every region anew for each program, and a
  /// lookup per word cost more than the write. A last word that runs past its region is set as
  /// `set(_:word:)` sets it.
  /// Inlinable: the generator's `word` is called for every word of every program, and inlined
  /// it costs no call.
  @inlinable public mutating func fillRegions(_ word: (UInt64) -> UInt64) {
    for index in regions.indices {
      let base = regions[index].base
      let size = regions[index].bytes.count
      var offset = 0
      regions[index].bytes.withUnsafeMutableBytes { buffer in
        while offset + 8 <= size {
          buffer.storeBytes(of: word(base &+ UInt64(offset)).littleEndian, toByteOffset: offset, as: UInt64.self)
          offset += 8
        }
      }
      if offset < size { set(base &+ UInt64(offset), word: word(base &+ UInt64(offset))) }
    }
  }

  /// Every byte, by address.
  public var bytes: ByteMap {
    var all = ByteMap(reservingWindows: regions.count)
    // In address order; a memory map lists its regions so already, and a sorted copy of them
    // would cost an allocation for every state handed out. By index: a region taken whole is a
    // copy, its arrays counted once more.
    let ordered = regions.indices.dropFirst().allSatisfy { regions[$0 - 1].base < regions[$0].base }
    if ordered {
      for index in regions.indices { all.append(base: regions[index].base, bytes: regions[index].bytes) }
    } else {
      for region in regions.sorted(by: { $0.base < $1.base }) { all.append(base: region.base, bytes: region.bytes) }
    }
    for (address, byte) in outside { all[address] = byte }
    return all
  }

  /// The addresses `observed` names whose byte differs from this memory's, in address order
  /// within each of its windows. A window that is exactly an equal region is one comparison.
  public func differingAddresses(_ observed: ByteMap) -> [UInt64] {
    var addresses: [UInt64] = []
    for window in observed.windows {
      if let region = regions.first(where: { $0.base == window.base && $0.bytes.count == window.bytes.count }),
        region.bytes == window.bytes
      {
        continue
      }
      for (offset, byte) in window.bytes.enumerated() where self.byte(at: window.base &+ UInt64(offset)) != byte {
        addresses.append(window.base &+ UInt64(offset))
      }
    }
    return addresses
  }

  /// Whether two byte arrays are equal, compared a word at a time: the arrays' own comparison
  /// goes a byte at a time, and a region is compared at every check.
  private static func same(_ first: [UInt8], _ second: [UInt8]) -> Bool {
    guard first.count == second.count else { return false }
    return first.withUnsafeBytes { one in
      second.withUnsafeBytes { other in
        var offset = 0
        while offset + 8 <= one.count {
          if one.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            != other.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
          {
            return false
          }
          offset += 8
        }
        while offset < one.count {
          if one[offset] != other[offset] { return false }
          offset += 1
        }
        return true
      }
    }
  }

  /// Whether `observed` holds, at every address it names, the byte this memory holds.
  public func agrees(with observed: ByteMap) -> Bool {
    // The runs themselves: `windows` would build an array of them at every check.
    for window in observed.runs {
      // A window that is exactly a region (as emulators report them) is one comparison.
      if let region = regions.first(where: { $0.base == window.base && $0.bytes.count == window.bytes.count }) {
        if !Self.same(region.bytes, window.bytes) { return false }
        continue
      }
      for (offset, byte) in window.bytes.enumerated() where self.byte(at: window.base &+ UInt64(offset)) != byte {
        return false
      }
    }
    return true
  }
}
