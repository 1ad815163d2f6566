/// The machine's memory regions; every address outside them is unmapped.
public struct MemoryMap: Sendable, Hashable {
  public enum Access: String, Sendable, Hashable {
    case readWrite = "rw"
    case readOnly = "ro"
  }

  public struct Region: Sendable, Hashable {
    public let base: UInt64
    public let size: UInt64
    public let access: Access
    public init(base: UInt64, size: UInt64, access: Access) {
      self.base = base
      self.size = size
      self.access = access
    }
    public func contains(_ address: UInt64, bytes: Int) -> Bool {
      address >= base && address - base < size && size - (address - base) >= UInt64(bytes)
    }

    /// Whether the region admits a write (`write`) or a read.
    public func permits(write: Bool) -> Bool { !write || access == .readWrite }

    /// Whether all of `[address, address + bytes)` lies in the region and it admits the access.
    public func allows(_ address: UInt64, bytes: Int, write: Bool) -> Bool {
      permits(write: write) && contains(address, bytes: bytes)
    }
  }

  public let regions: [Region]

  public init(regions: [Region]) { self.regions = regions }

  /// Whether all of `[address, address + bytes)` lies in one region that allows the access.
  public func allows(_ address: BitVec, bytes: Int, write: Bool) -> Formula {
    if address.width <= 64, let value = address.concrete {
      return Formula(allows(UInt64(truncatingIfNeeded: value), bytes: bytes, write: write))
    }
    if let numeral = address.simplified.numeral { return Formula(allows(numeral, bytes: bytes, write: write)) }
    let parts = regions.filter { $0.permits(write: write) }.map { region -> Formula in
      let offset = address - address.constant(region.base)
      guard region.size >= UInt64(bytes) else { return Formula(false) }
      // offset ≤ size − bytes, unsigned: no wrap-around past the region.
      return offset.ule(address.constant(region.size - UInt64(bytes)))
    }
    return Formula.fold(parts, and: false) ?? Formula(false)
  }

  /// The concrete counterpart of `allows`, for emulators and reports.
  public func allows(_ address: UInt64, bytes: Int, write: Bool) -> Bool {
    // By index: every access of every step asks, and a search through a closure retained the
    // list of regions each time.
    for index in regions.indices where regions[index].allows(address, bytes: bytes, write: write) { return true }
    return false
  }

  /// The default test layout: 256 read-write bytes and 64 read-only bytes, a gap between them.
  public static func standard(xlen: Int) -> MemoryMap {
    let base: UInt64 = 0x8001_0000
    return MemoryMap(regions: [
      Region(base: base, size: 256, access: .readWrite),
      Region(base: base + 0x1000, size: 64, access: .readOnly),
    ])
  }
}
