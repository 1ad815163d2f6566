import SpecModel

/// Runs a litmus test on the built-in emulator with several harts sharing memory, one instruction
/// at a time in a random interleaving (a sequentially consistent machine, so every outcome must be
/// one RVWMO allows). A store by one hart drops the other harts' reservations on that address.
public struct BuiltinInterleaving {
  public let test: LitmusTest
  public let runs: Int
  public let seed: UInt64

  public init(test: LitmusTest, runs: Int, seed: UInt64) {
    self.test = test
    self.runs = max(runs, 1)
    self.seed = seed
  }

  /// The final state of every run, as the model's `location=value` texts.
  public func run() throws -> [[String]] {
    let layout = LitmusLayout(test)
    let map = MemoryMap(regions: [.init(base: LitmusLayout.locationBase, size: layout.size, access: .readWrite)])
    let isa = try! ISAString(parsing: "rv64ima_zacas_zabha_zifencei_zalasr")
    var initialMemory = ByteMap()
    for offset in 0..<layout.size { initialMemory[LitmusLayout.locationBase + offset] = 0 }
    for (index, name) in layout.locations.enumerated() {
      let word = layout.initialValue(ofLocation: name)
      for byte in 0..<UInt64(8) {
        initialMemory[layout.address(index) + byte] = UInt8(truncatingIfNeeded: word >> (8 * byte))
      }
    }
    var harts: [Hart] = []
    for (thread, instructions) in test.threads.enumerated() {
      let source = instructions.map(SpikeLitmus.assembly).joined(separator: "\n")
      let words: [UInt32]
      do { words = try Instruction.encoded(Assembler.assemble(source, xlen: 64)) } catch {
        throw SpikeLitmus.Unsupported(description: "thread \(thread) cannot run on the built-in emulator: \(error)")
      }
      let registers = layout.initialRegisters(thread: thread)
      harts.append(
        Hart(
          EmulatorCase(
            isa: isa, words: words, initial: ConcreteState(registers: registers, memory: [:]), memoryMap: map),
          mutant: nil))
    }

    var random = SeededRandom(seed: seed)
    var results: [[String]] = []
    for _ in 0..<runs {
      var current = harts
      var memory = initialMemory
      var positions = [Int](repeating: 0, count: harts.count)
      var running = Array(harts.indices)
      var steps = 0
      while !running.isEmpty {
        steps += 1
        guard steps < 100_000 else { throw SpikeLitmus.Unsupported(description: "a hart did not finish") }
        let pick = running[Int(random.below(UInt64(running.count)))]
        var hart = current[pick]
        let word = hart.words[positions[pick]]
        let stored = Self.storeAddress(word, hart)
        hart.memory = memory
        do {
          positions[pick] = try hart.execute(word, at: positions[pick])
        } catch {
          throw SpikeLitmus.Unsupported(description: "hart \(pick) trapped: \(error)")
        }
        hart.x[0] = 0
        memory = hart.memory
        hart.memory = [:]
        current[pick] = hart
        if let stored {
          for other in current.indices where other != pick && current[other].reservation == stored {
            current[other].reservation = nil
          }
        }
        if positions[pick] < 0 || positions[pick] >= hart.words.count { running.removeAll { $0 == pick } }
      }
      results.append(
        layout.finalState(
          register: { thread, number in current[thread].x[number] },
          location: { index in
            (0..<UInt64(8)).reduce(UInt64(0)) { $0 | UInt64(memory[layout.address(index) + $1] ?? 0) << (8 * $1) }
          }))
    }
    return results
  }

  /// The address a store, SC or AMO writes (for dropping other harts' reservations).
  static func storeAddress(_ word: UInt32, _ hart: Hart) -> UInt64? {
    let opcode = word & 0x7F
    let base = hart.x[Int(word >> 15 & 31)]
    if opcode == 0x23 {
      let immediate = UInt64(
        bitPattern: Int64(Int32(bitPattern: (word & 0xFE00_0000) | (word >> 7 & 0x1F) << 20) >> 20))
      return base &+ immediate
    }
    if opcode == 0x2F && word >> 27 != 0b00010 { return base }
    return nil
  }
}
