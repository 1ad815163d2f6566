import Testing

@testable import SpecModel

/// A step done again from its memo must be what running its semantics would do: it is replayed
/// only while it reads the same registers, bytes and reservation.
@Suite struct StepCacheTests {
  let configuration = MachineConfiguration(isa: try! ISAString(parsing: "rv64ima_zacas_zabha"), profile: .spike)
  var data: UInt64 { configuration.memoryMap.regions[0].base }

  func state(_ registers: [Int: UInt64], memory: [UInt8]) -> ConcreteState {
    var values = [UInt64](repeating: 0, count: 32)
    for (number, value) in registers { values[number] = value }
    return ConcreteState(registers: values, memory: ByteMap(base: data, bytes: memory))
  }

  /// Equal runs; a run observed step by step also has an event for each step it observed.
  func same(_ left: ConcreteExecutor.Run, _ right: ConcreteExecutor.Run) -> Bool {
    func named(_ run: ConcreteExecutor.Run) -> [ConcreteExecutor.StepEvent] {
      run.events.filter { $0.success != nil || $0.trapCause != nil }
    }
    return left.registers == right.registers && left.registerWriter == right.registerWriter
      && left.trap == right.trap && named(left) == named(right) && left.memory.bytes == right.memory.bytes
      && left.memory.regions.map(\.writers) == right.memory.regions.map(\.writers)
  }

  @Test func anUnchangedProgramIsReplayedStepForStep() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    let program = try Assembler.assemble(
      """
      ld a1, 0(a0)
      add a2, a1, a1
      amocas.d a3, a2, (a0)
      lr.d a4, (a0)
      sc.d a5, a2, (a0)
      """)
    let initial = state([10: data, 13: 7], memory: Array(repeating: 3, count: 16))
    let cache = StepCache(count: program.count)
    let first = executor.firstRun(program, initial: initial, cache: cache)
    #expect(cache.executed == program.count && cache.replayed == 0)
    let again = executor.firstRun(program, initial: initial, cache: cache)
    #expect(cache.replayed == program.count)
    #expect(same(first, again))
  }

  /// The failing input: a byte the load reads changes, so the load and everything that depends
  /// on it run again and end as a fresh run does; a replay of the old memos would not.
  @Test func aChangedLoadRunsAgain() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    let program = try Assembler.assemble(
      """
      ld a1, 0(a0)
      addi a6, zero, 5
      add a2, a1, a1
      sd a2, 8(a0)
      """)
    let before = state([10: data], memory: Array(repeating: 1, count: 16))
    var after = before
    after.memory[data + 3] = 0x80
    let cache = StepCache(count: program.count)
    let stale = executor.firstRun(program, initial: before, cache: cache)
    let cached = executor.firstRun(program, initial: after, cache: cache)
    let fresh = executor.firstRun(program, initial: after)
    #expect(same(cached, fresh))
    #expect(!same(cached, stale))
    // Only the step that reads nothing that changed was replayed.
    #expect(cache.replayed == 1)
  }

  /// A changed register read as a compare value changes an amocas from success to failure.
  @Test func aChangedRegisterRunsAgain() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    let program = try Assembler.assemble("amocas.w a1, a2, (a0)")
    let success = state([10: data, 11: 0x0101_0101], memory: Array(repeating: 1, count: 8))
    var failure = success
    failure.registers[11] = 0x0101_0102
    let cache = StepCache(count: program.count)
    let first = executor.firstRun(program, initial: success, cache: cache)
    let second = executor.firstRun(program, initial: failure, cache: cache)
    #expect(first.events.first?.success == true)
    #expect(second.events.first?.success == false)
    #expect(same(second, executor.firstRun(program, initial: failure)))
  }

  /// A store-conditional reads the reservation: one made by a different load-reserved is not
  /// the one the memo saw.
  @Test func aChangedReservationRunsAgain() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    let program = try Assembler.assemble(
      """
      lr.d a4, (a1)
      sc.d a5, a2, (a0)
      """)
    let matching = state([10: data, 11: data, 12: 9], memory: Array(repeating: 0, count: 16))
    var elsewhere = matching
    elsewhere.registers[11] = data + 8
    let cache = StepCache(count: program.count)
    _ = executor.firstRun(program, initial: matching, cache: cache)
    let cached = executor.firstRun(program, initial: elsewhere, cache: cache)
    #expect(same(cached, executor.firstRun(program, initial: elsewhere)))
    #expect(cached.registers[15] != 0, "the SC without its reservation fails")
  }

  /// What the observer reads before a step still may change at that step, not after; what a
  /// step's semantics read may not change later. What it only peeks at stays untouched.
  @Test func untouchedMeansNeitherReadNorWritten() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    let program = try Assembler.assemble(
      """
      add a2, a1, a1
      ld a3, 0(a0)
      amocas.d a4, a5, (a0)
      """)
    let initial = state([10: data, 14: 1], memory: Array(repeating: 0, count: 16))
    var seen: [Int: (a1: Bool, a4: Bool, a5: Bool, byte: Bool, byte8: Bool)] = [:]
    _ = executor.firstRun(program, initial: initial) { index, step in
      if index == 0 {
        _ = step.register(14)
        _ = step.peek(register: 15)
        _ = step.peekBytes(at: data + 8, count: 8)
      }
      seen[index] = (
        step.isUntouched(register: 11), step.isUntouched(register: 14), step.isUntouched(register: 15),
        step.isUntouched(address: data), step.isUntouched(address: data + 8)
      )
    }
    #expect(seen[0]?.a1 == true && seen[1]?.a1 == false, "add reads a1")
    #expect(seen[0]?.a4 == true && seen[1]?.a4 == false, "the observer read a4 at step 0")
    #expect(seen[1]?.a5 == true && seen[2]?.a5 == true, "the observer only peeked at a5")
    #expect(seen[1]?.byte == true && seen[2]?.byte == false, "ld reads the first doubleword")
    #expect(seen[1]?.byte8 == true && seen[2]?.byte8 == true, "the observer only peeked at the second")
  }

  /// A program with an amocas at index 1 and a load of what it left after it, run from
  /// `initial` with `change` made just before the amocas.
  func runChangedAtTheAmocas(
    _ initial: ConcreteState, _ change: (ConcreteExecutor.PreStep) -> Void
  ) throws -> (program: [Instruction], run: ConcreteExecutor.Run) {
    let program = try Assembler.assemble(
      """
      addi a6, zero, 1
      amocas.d a1, a2, (a0)
      ld a3, 0(a0)
      """)
    let run = ConcreteExecutor(configuration: configuration).firstRun(program, initial: initial) { index, step in
      if index == 1 { change(step) }
    }
    return (program, run)
  }

  /// A change to an untouched initial value during the run ends as a fresh run from the
  /// changed state does.
  @Test func aChangeDuringTheRunIsAChangeOfTheInitialState() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    var initial = state([10: data, 11: 5, 12: 9], memory: Array(repeating: 0, count: 16))
    let (program, patched) = try runChangedAtTheAmocas(initial) { step in
      #expect(step.isUntouched(register: 11))
      step.setInitial(register: 11, to: 0)
    }
    initial.registers[11] = 0
    let fresh = executor.firstRun(program, initial: initial)
    #expect(same(patched, fresh))
    #expect(patched.events.first { $0.index == 1 }?.success == true)
  }

  /// An observer is told which steps read what they read when their memos were made; one that
  /// changes an initial value the step reads gets the step run anew, not replayed.
  @Test func anObserverIsToldWhichStepsReplayAnEarlierRun() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    let program = try Assembler.assemble(
      """
      ld a1, 0(a0)
      addi a2, a1, 1
      amocas.d a3, a4, (a0)
      """)
    var initial = state([10: data, 13: 5, 14: 9], memory: [7] + Array(repeating: 0, count: 15))
    let cache = StepCache(count: program.count)
    var told: [Bool] = []
    _ = executor.firstRun(program, initial: initial, cache: cache) { _, step in told.append(step.replaysEarlierRun) }
    #expect(told == [false, false, false], "no step has a memo yet")
    told = []
    let patched = executor.firstRun(program, initial: initial, cache: cache) { index, step in
      told.append(step.replaysEarlierRun)
      if index == 2 { step.setInitial(register: 13, to: 7) }
    }
    #expect(told == [true, true, true])
    initial.registers[13] = 7
    let fresh = executor.firstRun(program, initial: initial)
    #expect(same(patched, fresh), "the amocas ran with the changed compare value")
    #expect(patched.events.first { $0.index == 2 }?.success == true)
    told = []
    initial.memory = ByteMap(base: data, bytes: [8] + Array(repeating: 0, count: 15))
    _ = executor.firstRun(program, initial: initial, cache: cache) { _, step in told.append(step.replaysEarlierRun) }
    #expect(told == [false, false, false], "each step reads the changed byte, or what came of it")
  }

  /// Bytes changed together during the run end as a fresh run from the changed memory does.
  @Test func bytesChangedTogetherDuringTheRunAreAChangeOfTheInitialMemory() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    var initial = state([10: data, 11: 0x0102_0304_0506_0708, 12: 9], memory: Array(repeating: 0, count: 16))
    let (program, patched) = try runChangedAtTheAmocas(initial) { step in
      #expect(step.isUntouched(address: data, bytes: 8))
      step.setInitial(address: data, bytes: 0x0102_0304_0506_0708, count: 8)
    }
    initial.memory = ByteMap(base: data, bytes: [8, 7, 6, 5, 4, 3, 2, 1] + Array(repeating: 0, count: 8))
    let fresh = executor.firstRun(program, initial: initial)
    #expect(same(patched, fresh))
    #expect(patched.events.first { $0.index == 1 }?.success == true)
    #expect(patched.registers[13] == 9, "the swap value was stored and loaded back")
  }

  /// A span of bytes is untouched only while every byte in it is: one byte read or written makes
  /// the whole span touched. A span past the end of a region is set byte by byte.
  @Test func aSpanIsUntouchedOnlyWhileEveryByteIs() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    let program = try Assembler.assemble(
      """
      lb a3, 3(a0)
      sb a4, 9(a0)
      addi a6, zero, 1
      """)
    let size = UInt64(configuration.memoryMap.regions[0].size)
    let initial = state([10: data], memory: Array(repeating: 0, count: Int(size)))
    var seen: [Bool] = []
    let run = executor.firstRun(program, initial: initial) { index, step in
      guard index == 2 else { return }
      seen = [
        step.isUntouched(address: data, bytes: 8), step.isUntouched(address: data + 8, bytes: 2),
        step.isUntouched(address: data + 4, bytes: 4), step.isUntouched(address: data + 10, bytes: 16),
        step.isUntouched(address: data + size - 2, bytes: 4),
      ]
      step.setInitial(address: data + size - 2, bytes: 0xA1B2_C3D4, count: 4)
    }
    #expect(seen == [false, false, true, true, true])
    #expect((0..<4).map { run.memory.byte(at: data + size - 2 + $0) } == [0xD4, 0xC3, 0xB2, 0xA1])
    #expect(run.memory.writer(at: data + size - 1) == -1, "an initial value has no writer")
  }

  /// An observer that ends the run stops it before the step it is shown: the run holds the steps
  /// before that one alone, and the next run on the kept machine runs to the end again.
  @Test func anObserverMayEndTheRunBeforeAStep() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    let program = try Assembler.assemble(
      """
      addi a6, zero, 1
      amocas.d a1, a2, (a0)
      addi a7, zero, 2
      """)
    let initial = state([10: data, 11: 5, 12: 9], memory: Array(repeating: 0, count: 16))
    let cache = StepCache(count: program.count)
    var shown: [Int] = []
    let ended = executor.firstRun(program, initial: initial, cache: cache) { index, step in
      shown.append(index)
      if index == 1 { step.endRun() }
    }
    #expect(shown == [0, 1])
    #expect(ended.registers[16] == 1 && ended.registers[11] == 5 && ended.registers[17] == 0)
    #expect(ended.events.allSatisfy { $0.index == 0 }, "\(ended.events)")
    let whole = executor.firstRun(program, initial: initial, cache: cache) { _, _ in }
    #expect(whole.registers[17] == 2)
    #expect(same(whole, executor.firstRun(program, initial: initial)))
  }

  /// Who read each register, and which bytes were read after a step, as a run's observer sees
  /// them before the last step: the same whether the steps ran their semantics or a memo.
  @Test func readersAreKnownWhetherAStepRanOrWasReplayed() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    let program = try Assembler.assemble(
      """
      sd a2, 8(a0)
      add a4, a3, a3
      add a5, a3, a1
      ld a6, 16(a0)
      amocas.d a7, a2, (a0)
      """)
    let initial = state([10: data, 12: 0x1234], memory: Array(repeating: 0, count: 32))
    let cache = StepCache(count: program.count)
    for _ in 0..<2 {
      var seen: (a2: Int?, a3: Int?, a1: Int?, a0: Int?, copy: Bool, loaded: Bool, untouched: Int?)?
      _ = executor.firstRun(program, initial: initial, cache: cache) { index, step in
        guard index == 4 else { return }
        seen = (
          step.soleReader(ofRegister: 12), step.soleReader(ofRegister: 13), step.soleReader(ofRegister: 11),
          step.soleReader(ofRegister: 10), step.isUnread(address: data + 8, bytes: 8, after: 0),
          step.isUnread(address: data + 16, bytes: 1, after: 0), step.soleReader(ofRegister: 20)
        )
      }
      let found = try #require(seen)
      // a2 only by the store; a3 by two adds; a1 by the second add; a0 by the store and the load.
      #expect(found.a2 == 0 && found.a3 == nil && found.a1 == 2 && found.a0 == nil)
      // The stored bytes were not read after the store; the loaded ones were.
      #expect(found.copy && !found.loaded)
      #expect(found.untouched == nil)
    }
    #expect(cache.replayed == program.count)
  }

  /// Changing a register that only a store read, with the bytes it wrote, ends as a run from the
  /// changed state does; a rewrite of a byte read since it was copied is refused.
  @Test func aCopiedRegisterChangesWithItsBytes() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    let program = try Assembler.assemble(
      """
      sd a2, 8(a0)
      ld a4, 8(a0)
      amocas.d a3, a5, (a0)
      """)
    let initial = state([10: data, 12: 0x1111], memory: Array(repeating: 0, count: 16))
    var changed = initial
    changed.registers[12] = 0x2222
    let fresh = executor.firstRun(program, initial: changed)
    #expect(fresh.registers[14] == 0x2222)
    // Before the load, the register and its copy can still change together.
    let patched = executor.firstRun(program, initial: initial) { index, step in
      guard index == 1 else { return }
      #expect(step.soleReader(ofRegister: 12) == 0 && step.isUnread(address: data + 8, bytes: 8, after: 0))
      step.setInitial(copiedRegister: 12, to: 0x2222)
      for byte in 0..<8 {
        step.rewrite(copiedByte: data + 8 + UInt64(byte), to: UInt8(truncatingIfNeeded: 0x2222 >> (8 * byte)))
      }
    }
    #expect(same(patched, fresh))
    // After it, the copy has been read.
    _ = executor.firstRun(program, initial: initial) { index, step in
      guard index == 2 else { return }
      #expect(!step.isUnread(address: data + 8, bytes: 8, after: 0))
    }
  }

  /// A run that goes back over a step (a loop) has run one instruction as several steps: a
  /// register read by it alone then has no one step to name.
  @Test func aLoopLeavesNoSoleReader() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    let program = try Assembler.assemble(
      """
      addi a1, zero, 2
      sd a2, 8(a0)
      addi a1, a1, -1
      bne a1, zero, -8
      amocas.d a3, a5, (a0)
      """)
    let initial = state([10: data, 12: 0x1111], memory: Array(repeating: 0, count: 16))
    var sole: [Int?] = []
    _ = executor.firstRun(program, initial: initial) { index, step in
      if index == 4 { sole.append(step.soleReader(ofRegister: 12)) }
    }
    #expect(sole == [nil])
    // Straight through, the store is the register's one reader.
    let straight = Array(program.prefix(2)) + [program[4]]
    _ = executor.firstRun(straight, initial: initial) { index, step in
      if index == 2 { sole.append(step.soleReader(ofRegister: 12)) }
    }
    #expect(sole == [nil, 1])
  }

  /// A cache's machine keeps its memory, registers and events from run to run, filling them in
  /// place when nothing holds the last run: a run kept by its caller must not change when the
  /// machine runs again from another state.
  @Test func aKeptRunOutlivesTheNextRun() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    let program = try Assembler.assemble(
      """
      ld a1, 0(a0)
      addi a1, a1, 1
      sd a1, 8(a0)
      amocas.d a2, a1, (a0)
      """)
    let first = state([10: data], memory: Array(repeating: 1, count: 16))
    let second = state([10: data, 12: 9], memory: Array(repeating: 2, count: 16))
    let cache = StepCache(count: program.count)
    let kept = executor.firstRun(program, initial: first, cache: cache)
    let later = executor.firstRun(program, initial: second, cache: cache)
    #expect(same(kept, executor.firstRun(program, initial: first)))
    #expect(same(later, executor.firstRun(program, initial: second)))
    #expect(kept.events.map(\.success) == [false] && later.events.map(\.success) == [false])
    #expect(kept.memory.bytes != later.memory.bytes && kept.registers != later.registers)
  }

  /// The spans a run has loaded are held in place with room for 64: a run that loads more grows
  /// them, and every span loaded before still counts as read.
  @Test func aRunThatLoadsMoreThanItHasRoomForStillKnowsWhatItRead() throws {
    let executor = ConcreteExecutor(configuration: configuration)
    let loads = 70
    let program = try Assembler.assemble(
      (0..<loads).map { "lb a1, \($0)(a0)" }.joined(separator: "\n") + "\naddi a2, zero, 1")
    let initial = state([10: data], memory: Array(repeating: 0, count: 128))
    var untouched: [Bool] = []
    var unreadSince: [Bool] = []
    _ = executor.firstRun(program, initial: initial) { index, step in
      guard index == loads else { return }
      untouched = (0..<loads + 2).map { step.isUntouched(address: data + UInt64($0)) }
      unreadSince = (0..<loads).map { step.isUnread(address: data + UInt64($0), after: $0 - 1) }
    }
    #expect(untouched == Array(repeating: false, count: loads) + [true, true])
    #expect(unreadSince == Array(repeating: false, count: loads), "each byte was read by its own load")
  }

  /// A cache's machine keeps its choice cursor's storage from run to run: a run on the first path
  /// starts at the first option again, however far the last run's path went.
  @Test func aRunAfterAPrunedPathStartsAtTheFirstPathAgain() throws {
    // An illegal instruction's first path puts its bits in mtval, which this profile forbids.
    let onlyZero = Profile.spike.changing("-zero-tval", illegalTval: [.zero])
    let executor = ConcreteExecutor(
      configuration: MachineConfiguration(isa: try ISAString(parsing: "rv64ima"), profile: onlyZero))
    let program = try Assembler.assemble(
      """
      addi a1, zero, 3
      amocas.w t0, t1, (a0)
      """)
    let initial = state([10: data], memory: Array(repeating: 0, count: 16))
    let cache = StepCache(count: program.count)
    let runs = (0..<3).map { _ in executor.firstRun(program, initial: initial, cache: cache) }
    let fresh = executor.firstRun(program, initial: initial)
    #expect(fresh.attempts == 2 && fresh.isAllowed && fresh.trap?.tval == 0)
    for run in runs {
      #expect(run.attempts == 2, "each run tries the first path, which the profile prunes, and then the next")
      #expect(same(run, fresh) && run.trap?.tval == 0)
    }
  }
}
