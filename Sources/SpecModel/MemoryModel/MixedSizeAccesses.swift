/// A test's accesses of different sizes to one location (a 16-bit store into a 32-bit word), as
/// RVWMO states them: each byte of a load reads from some store, coherence holds per byte, and an
/// instruction is still one memory operation in the global memory order.
///
/// Where every access has one size, the events are the test's own. Otherwise each access is split
/// into granules of the smallest size, each a byte range no access splits further: rf, co and
/// preserved program order then relate granules (same granule address is the manual's
/// "overlapping addresses"), and the granules of one instruction share its place in the orders
/// that must be acyclic (`instruction`).
struct MixedSizeAccesses {
  /// The events the model decides over: the test's own, or its accesses' granules.
  let events: [MemoryEvent]
  /// The atomic pairs over `events`: an AMO's granules each pair with themselves, an LR's with its
  /// SC's at the same offset.
  let rmw: [(read: Int, write: Int, when: Formula)]
  /// The bytes of a granule, nil when the events are the test's own.
  let granule: Int?
  /// The bytes and signedness of each location, by address: its declared type's, or as far as
  /// the accesses at known addresses reach (signed, as a load extends it), or the largest access's.
  let locations: [UInt64: (bytes: Int, signed: Bool)]

  init(_ execution: some CandidateExecutions, z3: Z3Context) {
    let original = execution.events
    let declared = execution.declaredLocations
    let accesses = original.filter { $0.thread >= 0 && $0.isMemory }
    let accessed = Set(accesses.map(\.bytes))
    // An access at a known offset into a location (`sh x6,2(x5)`) reaches bytes past its start:
    // the location spans them, and the offset's alignment bounds the granule.
    let bases = execution.addresses.values.sorted()
    var extent: [UInt64: Int] = [:]
    var offsets: Set<Int> = []
    for access in accesses {
      // A register given the address holds it as a constant; only a computed one asks the solver.
      guard let value = access.address.numeral ?? access.address.simplified.numeral else { continue }
      let address = UInt64(truncatingIfNeeded: value)
      guard let base = bases.last(where: { $0 <= address }), address - base < LitmusTest.locationSpacing else {
        continue
      }
      let offset = Int(address - base)
      extent[base] = max(extent[base] ?? 0, offset + access.bytes)
      if offset != 0 { offsets.insert(offset & -offset) }
    }
    let sizes = accessed.union(declared.values.map(\.bytes)).union(offsets)
    guard sizes.count > 1 || !offsets.isEmpty, let smallest = sizes.min(), let largest = accessed.max() else {
      events = original
      rmw = execution.rmw
      granule = nil
      locations = [:]
      return
    }
    granule = smallest
    var locations: [UInt64: (bytes: Int, signed: Bool)] = [:]
    for (_, address) in execution.addresses {
      locations[address] = declared[address] ?? (extent[address] ?? largest, true)
    }
    self.locations = locations
    // Which granules each event becomes (a fence stays one event); an initial write covers its
    // location.
    var parts: [[Int]] = []
    var next = 0
    for event in original {
      // An initial write covers its location and any access's reach past it (an access through a
      // computed address is not in the extent), so that every granule read has a write to read.
      let bytes =
        event.thread < 0
        ? max(event.address.numeral.flatMap { locations[UInt64($0)]?.bytes } ?? largest, largest) : event.bytes
      let count = event.isMemory ? bytes / smallest : 1
      parts.append(Array(next..<(next + max(count, 1))))
      next += max(count, 1)
    }
    func remapped(_ ids: Set<Int>) -> Set<Int> { Set(ids.flatMap { parts[$0] }) }
    func remapped(_ conditions: [Int: Formula]) -> [Int: Formula] {
      var result: [Int: Formula] = [:]
      for (read, condition) in conditions { for part in parts[read] { result[part] = condition } }
      return result
    }
    let bits = 8 * smallest
    func slice(_ value: BitVec, _ index: Int) -> BitVec {
      value.extract(bits * (index + 1) - 1, bits * index).zeroExtend(to: LitmusExecution.width)
    }
    var split: [MemoryEvent] = []
    split.reserveCapacity(next)
    for event in original {
      for (index, id) in parts[event.id].enumerated() {
        var part = event
        part.id = id
        part.instruction = event.id
        part.addressDependencies = remapped(event.addressDependencies)
        part.dataDependencies = remapped(event.dataDependencies)
        part.controlDependencies = remapped(event.controlDependencies)
        part.addressWhen = remapped(event.addressWhen)
        part.dataWhen = remapped(event.dataWhen)
        if event.isMemory {
          part.bytes = smallest
          part.address = event.address + z3.bv(UInt64(index * smallest), width: LitmusExecution.width)
          part.value = slice(event.value, index)
          part.stored = event.stored.map { slice($0, index) }
        }
        split.append(part)
      }
    }
    events = split
    var pairs: [(read: Int, write: Int, when: Formula)] = []
    for pair in execution.rmw {
      for (read, write) in zip(parts[pair.read], parts[pair.write]) { pairs.append((read, write, pair.when)) }
    }
    rmw = pairs
  }

  /// The final value of the location at `address`: what the co-last write of each byte wrote,
  /// `last(write)` saying which write is co-last among those to its granule.
  func finalValue(at address: UInt64, z3: Z3Context, solver: Solver, name: String, last: (Int) -> Formula) -> BitVec {
    let width = LitmusExecution.width
    func granuleValue(_ at: UInt64, bits: Int, name: String) -> BitVec {
      let value = z3.bvVariable(name, width: width)
      for event in events where event.isWrite {
        solver.assert(
          (event.writeExecuted && event.address == z3.bv(at, width: width) && last(event.id))
            .implies(value == event.written))
      }
      return bits == width ? value : value.extract(bits - 1, 0)
    }
    guard let granule else { return granuleValue(address, bits: width, name: "final.\(name)") }
    let location = locations[address] ?? (width / 8, true)
    var whole: BitVec?
    for index in 0..<(location.bytes / granule) {
      let part = granuleValue(
        address + UInt64(index * granule), bits: 8 * granule, name: "final.\(name).\(index * granule)")
      whole = whole.map { part.concat($0) } ?? part
    }
    // A location narrower than a register reads as its type says: extended by its sign or not.
    let value = whole ?? z3.bv(0, width: width)
    if value.width == width { return value }
    return location.signed ? value.signExtend(to: width) : value.zeroExtend(to: width)
  }
}
