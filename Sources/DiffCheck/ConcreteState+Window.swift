import SpecModel

extension ConcreteState {
  /// All registers zero and every byte of every region zero.
  public static func zeroed(_ map: MemoryMap) -> ConcreteState {
    var memory = ByteMap()
    for region in map.regions.sorted(by: { $0.base < $1.base }) {
      memory.append(base: region.base, bytes: [UInt8](repeating: 0, count: Int(region.size)))
    }
    return ConcreteState(registers: [UInt64](repeating: 0, count: 32), memory: memory)
  }
}
