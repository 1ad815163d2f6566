import SpecModel

extension ConcreteState {
  /// All registers zero and every byte of every region zero.
  public static func zeroed(_ map: MemoryMap) -> ConcreteState {
    var memory: [UInt64: UInt8] = [:]
    for region in map.regions {
      for offset in 0..<region.size { memory[region.base + offset] = 0 }
    }
    return ConcreteState(registers: [UInt64](repeating: 0, count: 32), memory: memory)
  }
}
