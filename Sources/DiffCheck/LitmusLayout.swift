import SpecModel

/// Where emulators put a litmus test's memory locations, and how their final values read back
/// in the model's terms (an address of location k becomes the model's address of location k).
struct LitmusLayout {
  static let locationBase: UInt64 = 0x8010_0000
  let test: LitmusTest
  let locations: [String]

  init(_ test: LitmusTest) {
    self.test = test
    locations = test.memoryLocations
  }

  /// Each location on its own 64-byte line.
  func address(_ index: Int) -> UInt64 { Self.locationBase + 0x40 * UInt64(index) }
  var size: UInt64 { max(0x40 * UInt64(locations.count), 0x40) }

  /// An initial value in the emulator's terms.
  func value(_ given: LitmusTest.Value) -> UInt64 {
    switch given {
    case .number(let number): UInt64(bitPattern: number)
    case .address(let name): locations.firstIndex(of: name).map(address) ?? 0
    }
  }

  func initialValue(ofLocation name: String) -> UInt64 {
    test.initial.first { $0.location == .memory(name) }?.value.map(value) ?? 0
  }

  func initialRegisters(thread: Int) -> [UInt64] {
    var registers = [UInt64](repeating: 0, count: 32)
    for initialiser in test.initial {
      if case .register(thread, let number) = initialiser.location, let given = initialiser.value {
        registers[number] = value(given)
      }
    }
    return registers
  }

  /// A final state from an emulator's registers and location values.
  func finalState(register: (Int, Int) -> UInt64, location: (Int) -> UInt64) -> [String] {
    func translated(_ raw: UInt64) -> Int64 {
      let index = locations.indices.first { address($0) == raw }
      return Int64(bitPattern: index.map { LitmusTest.modelAddress(ofLocation: $0) } ?? raw)
    }
    /// A location of a declared type reads as that type: its bytes, extended by its sign.
    func typed(_ name: String) -> Int64 {
      let raw = location(locations.firstIndex(of: name) ?? 0)
      guard let type = test.declaredType(ofLocation: name), type.bytes < 8 else { return translated(raw) }
      let shift = UInt64(64 - 8 * type.bytes)
      return type.signed ? Int64(bitPattern: raw << shift) >> Int64(shift) : Int64(bitPattern: (raw << shift) >> shift)
    }
    return test.finalState { item in
      switch item {
      case .register(let thread, let number): number == 0 ? 0 : translated(register(thread, number))
      // C tests are decided by the model only; the CLI never lays them out for an emulator.
      case .variable: 0
      case .memory(let name): typed(name)
      }
    }
  }
}
