import Foundation
import SpecModel

/// What a test aims an amocas at.
public enum CASTarget: String, CaseIterable, Sendable {
  case success
  /// Success whose compare register differs from the loaded value above the access width
  /// (`.b/.h/.w` narrower than XLEN): only the low bits may take part in the compare.
  case successUpperBitsDiffer = "success-upper-bits"
  case failure
  /// Failure where the compare value differs from memory in exactly one byte.
  case nearMissByte = "near-miss-byte"
  /// Failure where a pair's compare value differs from memory only in its high half.
  case nearMissHighHalf = "near-miss-high-half"
  case misaligned
  case readOnly = "read-only"
  case unmapped
  case misalignedReadOnly = "misaligned-read-only"
  case misalignedUnmapped = "misaligned-unmapped"
  /// A byte or halfword AMO whose operand equals memory at the access width (an amoswap that
  /// changes nothing, but still needs write permission).
  case amoOperandEqual = "amo-operand-equal"
  /// A byte or halfword amomin/amomax(u) whose operand and memory differ in sign at the access
  /// width, where the signed and unsigned orders disagree.
  case amoSignSplit = "amo-sign-split"

  var aimsAtAMO: Bool { self == .amoOperandEqual || self == .amoSignSplit }
  var aimsAtSuccess: Bool { self == .success || self == .successUpperBitsDiffer }
  var aimsAtFailure: Bool { self == .failure || self == .nearMissByte || self == .nearMissHighHalf }
}

/// A coverage cell's outcome for one amocas.
public enum CASOutcome: String, CaseIterable, Sendable, Comparable {
  case success, failure
  case illegal = "trap-2"
  case misalignedTrap = "trap-6"
  case accessFault = "trap-7"
  case x0Pair = "x0-pair"
  case oddPair = "odd-pair"
  case overlap
  /// A failure whose compare value differs from memory in one byte only.
  case nearMissByte = "near-byte"
  /// A pair failure that differs from memory in the high half only.
  case nearMissHighHalf = "near-high"
  /// A success whose compare register differs from the loaded value above the access width.
  case upperBitsDiffer = "upper-bits"
  /// A misaligned address that is also read-only, or unmapped: the order of causes shows.
  case misalignedReadOnly = "mis-ro"
  case misalignedUnmapped = "mis-unmap"
  /// Misaligned at half the access size (offset 8 for `.q`): aligned for a narrower access.
  case misalignedHalf = "mis-half"
  /// A byte or halfword AMO that executed.
  case executed = "done"
  /// A byte or halfword min/max whose operand and memory differ in sign at the access width.
  case signSplit = "sign-split"
  /// A byte or halfword AMO whose result equals what memory held: a store that changes nothing.
  case unchanged

  public static func < (l: CASOutcome, r: CASOutcome) -> Bool { l.ordinal < r.ordinal }
}

/// A program with the initial state chosen for it.
public struct PreparedCase: Sendable {
  /// What preparing made, held once: a prepared case is copied into and out of a batch and handed
  /// to every check, and copying its arrays and kept run one by one cost forty reference counts.
  /// The initial state and the kept run change only in `takeStorage`, when nothing else holds them.
  private final class Contents: @unchecked Sendable {
    let program: [Instruction]
    var initial: ConcreteState
    let marks: [CoverageMark]
    let infeasibleTargets: Int
    let patches: Int
    var specRun: ConcreteExecutor.Run?

    init(
      program: [Instruction], initial: ConcreteState, marks: [CoverageMark], infeasibleTargets: Int, patches: Int,
      specRun: ConcreteExecutor.Run?
    ) {
      self.program = program
      self.initial = initial
      self.marks = marks
      self.infeasibleTargets = infeasibleTargets
      self.patches = patches
      self.specRun = specRun
    }
  }

  private var contents: Contents

  public var program: [Instruction] { contents.program }
  public var initial: ConcreteState { contents.initial }
  /// Coverage cells (form, outcome) the spec expects this program to reach, as the loop counts them.
  public var marks: [CoverageMark] { contents.marks }
  /// The same cells by mnemonic.
  public var coverage: [CoverageCell] { marks.map(\.cell) }
  /// Targets that could not be reached from this start and were dropped.
  public var infeasibleTargets: Int { contents.infeasibleTargets }
  /// Patches applied to the initial state to reach the targets.
  public var patches: Int { contents.patches }
  /// The spec's run of the program from `initial`, made while preparing it, when it is an allowed
  /// outcome: checking compares against it first, and runs the spec again only when it is not
  /// the observed outcome and not the only allowed one.
  public var specRun: ConcreteExecutor.Run? { contents.specRun }
  /// How many runs of the spec preparing it made: the first, and one after each round of patches.
  public var specRuns = 0
  /// How many of those a guess ended before the program's end (`Oracle.observe`).
  public var endedRuns = 0
  /// Guesses whose target the run after the guess still missed when it reached the guessed step.
  public var guessesMissedAgain = 0
  /// How many plans preparing it worked out for missed targets, made into patches or not.
  public var plans = 0

  /// The initial memory and the kept run, taken out of a case nothing else holds, for a later
  /// preparation to fill their storage in place (`Oracle.recycle`); nil when the case is shared.
  /// The case is left without them: only a caller that is done with it takes them.
  mutating func takeStorage() -> (image: ByteMap, run: ConcreteExecutor.Run?)? {
    guard isKnownUniquelyReferenced(&contents) else { return nil }
    // Swapped out: read and then cleared, each was copied first.
    var image = ByteMap()
    swap(&image, &contents.initial.memory)
    var run: ConcreteExecutor.Run? = nil
    swap(&run, &contents.specRun)
    return (image, run)
  }

  /// A case whose coverage is given as cells: those of forms outside the instruction table are
  /// not kept.
  public init(
    program: [Instruction], initial: ConcreteState, coverage: [CoverageCell], infeasibleTargets: Int, patches: Int,
    specRun: ConcreteExecutor.Run? = nil
  ) {
    self.init(
      program: program, initial: initial, marks: coverage.compactMap(CoverageMark.init),
      infeasibleTargets: infeasibleTargets,
      patches: patches, specRun: specRun)
  }

  public init(
    program: [Instruction], initial: ConcreteState, marks: [CoverageMark], infeasibleTargets: Int, patches: Int,
    specRun: ConcreteExecutor.Run? = nil
  ) {
    contents = Contents(
      program: program, initial: initial, marks: marks, infeasibleTargets: infeasibleTargets, patches: patches,
      specRun: specRun)
  }
}

/// Chooses initial states that steer each amocas down a chosen path, by running the spec's concrete
/// interpretation and patching the initial state (concolic patching): at each amocas whose target
/// is missed, set the compared memory bytes, or the compare registers, that no earlier
/// instruction wrote. A patch that changes nothing a step has read yet is made during the run;
/// any other is made as a guess that the rest of the run goes on from, and the program runs again
/// until a run needs no guess. No solver is involved.
public struct Oracle {
  public let configuration: MachineConfiguration
  let executor: ConcreteExecutor
  /// Patch-and-rerun rounds before the targets still missed are dropped.
  public var maxRounds = Oracle.defaultRounds
  /// The rounds a program gets unless told otherwise, guesses and patch rounds together. With 0,
  /// the patches made during the first run are all the aiming a program gets.
  public static let defaultRounds = 12
  /// Print each dropped target (RVCHECK_TRACE=1).
  public var tracing = Oracle.tracingRequested
  /// Whether a rerun keeps, without looking again, the view of a step that reads what it read in
  /// an earlier run and was only noted then (`Views.keepQuiet`). Off, every step is looked at in
  /// every run: the preparation must be the same either way.
  var keepsQuietViews = true

  /// Read once: the environment is copied whole on every look.
  private static let tracingRequested = ProcessInfo.processInfo.environment["RVCHECK_TRACE"] != nil

  /// What earlier preparations finished with, for the next ones (`OracleWorkspace.swift`).
  private let workspaces = Workspaces()

  public init(configuration: MachineConfiguration) {
    self.configuration = configuration
    self.executor = ConcreteExecutor(configuration: configuration)
  }

  var xlen: Int { configuration.isa.xlen }
  private var xlenMask: UInt64 { xlen == 64 ? .max : 0xFFFF_FFFF }

  /// What an amocas sees just before it runs. Its fields are in the order that packs them into
  /// 96 bytes: a view is stored and read at every amocas and AMO step of every run, and at that
  /// size a copy is a few vector moves rather than a call to memmove.
  struct CASView {
    /// The compare value (width bits) and the value in memory.
    let compare: UInt128
    let loaded: UInt128
    let address: UInt64
    /// The compare register (or pair) as read, whole: for the upper bits of narrow forms.
    let compareRegister: UInt64
    /// The instruction that last wrote each compared byte (-1: none).
    let byteWriters: ByteWriters
    /// Whether every compared byte, or every compare register, still holds its initial value.
    let memoryIsInitial: Bool
    let registersAreInitial: Bool
  }

  /// The writers of up to sixteen bytes, as program indices (-1: none) held in sixteen bits:
  /// programs are far shorter than 32,768 instructions (`prepare` checks).
  struct ByteWriters: RandomAccessCollection {
    private let storage: SIMD16<Int16>
    let count: Int

    init(_ writers: SIMD16<Int32>, count: Int) {
      storage = SIMD16(truncatingIfNeeded: writers)
      self.count = count
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }
    subscript(position: Int) -> Int { Int(storage[position]) }
  }

  /// The view each step of a run was seen with, by program index. Each entry is stamped with the
  /// run that saw it: a new run makes every entry stale at once, without clearing them. Held in
  /// place by a workspace: set at nearly every observation, an array's entry cost a uniqueness
  /// test each time.
  final class Views {
    /// `count` entries, and the run that saw each with whether the observer only noted it then
    /// (no plan, no guess: the target was met, dropped, or out of patches).
    private var entries: UnsafeMutablePointer<CASView?>
    private var stamps: UnsafeMutablePointer<(run: Int, quiet: Bool)>
    private var count = 0
    private var run = 1
    /// The first run of the program under way: entries stamped before it are another program's.
    private var programStart = 1

    init() {
      entries = .allocate(capacity: 0)
      stamps = .allocate(capacity: 0)
    }

    deinit {
      entries.deallocate()
      stamps.deallocate()
    }

    subscript(index: Int) -> CASView? {
      precondition(index >= 0 && index < count, "no view for step \(index)")
      return stamps[index].run == run ? entries[index] : nil
    }

    /// Notes what step `index` was seen with in this run; `quiet` when the observer did nothing
    /// else with it.
    @inline(__always) func set(_ index: Int, _ view: CASView, quiet: Bool) {
      precondition(index >= 0 && index < count, "no view for step \(index)")
      entries[index] = view
      stamps[index] = (run, quiet)
    }

    /// Keeps for this run the view an earlier run of the program noted quietly for step `index`;
    /// false when there is none. For a step that reads what it read then: it sees the same
    /// operands and bytes, the observer would note them quietly again (a met target stays met,
    /// and dropped targets and spent attempts stay so), and only plans look at the writers.
    @inline(__always) func keepQuiet(_ index: Int) -> Bool {
      precondition(index >= 0 && index < count, "no view for step \(index)")
      guard stamps[index].quiet, stamps[index].run >= programStart, stamps[index].run < run else { return false }
      stamps[index].run = run
      return true
    }

    /// No entry, for a program of `count` instructions (or a run that starts the program over).
    func clear(count: Int) {
      if self.count != count {
        entries.deallocate()
        stamps.deallocate()
        entries = .allocate(capacity: count)
        entries.initialize(repeating: nil, count: count)
        stamps = .allocate(capacity: count)
        stamps.initialize(repeating: (0, false), count: count)
        self.count = count
      }
      run += 1
      programStart = run
    }

    /// A new run of the same program: the entries of earlier runs are stale, but kept for `keepQuiet`.
    func nextRun() { run += 1 }
  }

  /// An instruction that copies registers to memory unchanged (a store, amoswap, SC, amocas):
  /// where, how many bytes, from which registers (low half first), and whether they still held
  /// their initial values then.
  struct StoreCopy {
    let address: UInt64
    let bytes: Int
    let registers: InlineIndices
    let sourceIsInitial: Bool
  }

  /// Up to sixteen small indices held inline: a view is made at every amocas and AMO step of every
  /// run, and an array in it cost an allocation each.
  struct InlineIndices: RandomAccessCollection {
    private var storage = SIMD16<Int32>(repeating: 0)
    private(set) var count = 0

    init() {}
    init(_ indices: [Int]) { for index in indices { append(index) } }
    init(_ indices: SIMD16<Int32>, count: Int) {
      storage = indices
      self.count = count
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }
    subscript(position: Int) -> Int { Int(storage[position]) }

    mutating func append(_ index: Int) {
      storage[count] = Int32(index)
      count += 1
    }
  }

  public func prepare(_ generated: GeneratedProgram, _ random: inout SeededRandom) -> PreparedCase {
    let program = generated.instructions
    // A view keeps the writer of each compared byte as a sixteen-bit program index.
    precondition(program.count <= Int(Int16.max), "a program of \(program.count) instructions is too long to aim")
    let workspace = workspaces.take(count: program.count)
    defer { workspaces.give(workspace) }
    let map = configuration.memoryMap
    let data = map.regions.first { $0.access == .readWrite } ?? map.regions[0]
    // Written in place: mapped, each value went through a closure and an append. The value drawn
    // for x0 is drawn and dropped, as the map drew it.
    var registers = [UInt64](unsafeUninitializedCapacity: 32) { values, count in
      for number in 0..<32 { values[number] = randomRegisterValue(&random) }
      values[0] = 0
      count = 32
    }
    for base in generated.baseRegisters {
      let slots = max((data.size - 96) / 16, 1)
      registers[base] = data.base + 48 + 16 * random.below(slots)
    }
    // Each form's facts, and whether the ISA has it, are worked out once and looked up by serial
    // number after: a form is known where `supportedByForm` is not `unknownForm`. The arrays are
    // filled in place: appended one by one, each append checked the array's uniqueness.
    var factsByForm: [StepFacts] = []
    swap(&factsByForm, &workspace.factsByForm)
    var supportedByForm: [UInt8] = []
    swap(&supportedByForm, &workspace.supportedByForm)
    // Every element is written below before any is read.
    var facts = Self.sized(&workspace.facts, count: program.count, placeholder: StepFacts.none)
    var observing = Self.sized(&workspace.observing, count: program.count, placeholder: false)
    var supported = Self.sized(&workspace.supported, count: program.count, placeholder: false)
    facts.withUnsafeMutableBufferPointer { facts in
      observing.withUnsafeMutableBufferPointer { observing in
        supported.withUnsafeMutableBufferPointer { supported in
          for index in program.indices {
            // Through the unretained form: `form` hands out a reference the caller must release.
            let serial = program[index].withForm { $0.serial }
            if serial >= supportedByForm.count {
              factsByForm.append(contentsOf: repeatElement(StepFacts.none, count: serial + 1 - factsByForm.count))
              supportedByForm.append(
                contentsOf: repeatElement(Self.unknownForm, count: serial + 1 - supportedByForm.count))
            }
            if supportedByForm[serial] == Self.unknownForm {
              factsByForm[serial] = program[index].withForm { StepFacts($0, xlen: xlen) }
              supportedByForm[serial] = program[index].withForm { configuration.isa.contains($0) ? 1 : 0 }
            }
            facts[index] = factsByForm[serial]
            supported[index] = supportedByForm[serial] == 1
            // The steps a patch may aim at, and the first step, where a rerun starts over.
            observing[index] = facts[index].isAimed || index == 0
          }
        }
      }
    }
    swap(&factsByForm, &workspace.factsByForm)
    swap(&supportedByForm, &workspace.supportedByForm)
    // By program index: arrays, as the rounds look them up per event.
    var targets = Self.filled(&workspace.targets, with: nil, count: program.count)
    for index in program.indices {
      if facts[index].isAmocas {
        targets[index] = drawTarget(facts[index], &random)
      } else if facts[index].isNarrowAMO {
        targets[index] = drawAMOTarget(facts[index].traits, &random)
      }
    }
    if let candidate = generated.trapCandidate, random.chance(0.85) {
      let instruction = program[candidate]
      let bytes = UInt64(instruction.accessBytes ?? 4)
      let target = random.pick(bytes > 1 ? Self.trapKinds : Self.byteTrapKinds)
      targets[candidate] = target
      registers[instruction.rs1] = trapAddress(target, bytes: bytes, data: data, &random)
    }
    // The initial memory is kept as bytes while it is patched; the state gets it at the end.
    // Every byte of every region is drawn: the last program's image serves, its storage kept.
    var image = workspace.image.take() ?? ConcreteMemory(map: map, initial: [:])
    image.forgetOutside()
    // The last program's image and run memory are held by the case it made, until the campaign
    // is done with that case: fill storage nothing holds rather than copy theirs.
    let (recycledImage, recycledRun) = workspaces.takeRecycled()
    if let recycledImage { image.takeBytes(of: recycledImage) }
    if let recycledRun { workspace.cache.reuseStorage(of: recycledRun) }
    image.fillRegions { _ in
      // A small value a fifth of the time, drawn as `below(4)` draws it but chosen without a
      // branch on the coin, which was mispredicted at many words of every program. (`below(4)`
      // draws again after one of the top four values, which never happens in practice.)
      let small = random.chance(0.2)
      var value = random.next()
      if value >= 0 &- 4 && small { repeat { value = random.next() } while value >= 0 &- 4 }
      return small ? value & 3 : value
    }
    // A byte or halfword AMO aimed at read-only memory: half the time its operand starts equal to
    // what it will read there, so the store would change nothing and only its permission faults.
    if let candidate = generated.trapCandidate, targets[candidate] == .readOnly,
      program[candidate].withForm({ Self.isNarrowAMO($0) }), random.chance(0.5)
    {
      let instruction = program[candidate]
      let operand = registers[instruction.rs2]
      for byte in 0..<UInt64(instruction.accessBytes ?? 1) {
        image.set((registers[instruction.rs1] &+ byte) & xlenMask, UInt8(truncatingIfNeeded: operand >> (8 * byte)))
      }
    }
    // The last program's views, their storage kept: none of them counts for this program.
    let views = workspace.views
    views.clear(count: program.count)
    // The registers, memory and dropped marks move into the aim, which patches them: a copy kept
    // here would make each patch copy them first.
    var start = Start(
      program: program, initial: ConcreteState(registers: consume registers, memory: [:]), image: consume image,
      cache: workspace.cache, entries: workspace.entries, observing: consume observing)
    var aim = Aim(
      targets: consume targets, dropped: Self.filled(&workspace.dropped, with: false, count: program.count),
      attempts: Self.filled(&workspace.attempts, with: 0, count: program.count),
      bases: generated.baseRegisters, random: random, pending: Self.emptied(&workspace.pending, room: 4))
    let stores = Stores(program: program, facts: facts, entries: start.entries, xlenMask: xlenMask)
    // Each round's run is let go before the next run starts: a run holds the machine's memory
    // and registers, which the next run then reuses rather than copies.
    var rounds = 0
    var missed = Self.emptied(&workspace.missed, room: 8)
    var touched = Self.emptied(&workspace.touched, room: 8)
    let run: ConcreteExecutor.Run
    while true {
      // The last run allowed makes no guesses: the run that stands must be one the initial state gives.
      let (current, guessed) = observe(facts, supported, stores, &start, &aim, views, guessing: rounds < maxRounds)
      if guessed {
        rounds += 1
        continue
      }
      guard rounds < maxRounds else {
        run = current
        break
      }
      rounds += 1
      allMissed(program, aim.targets, aim.dropped, current, views, into: &missed)
      guard let (first, firstTarget) = missed.first else {
        run = current
        break
      }
      // Each round patches every missed target whose compared bytes no earlier patch of the round
      // touched, so one rerun serves several. The first one sees the state as it really is: when
      // it cannot be patched, it is dropped; a later one is only left for the next round.
      touched.removeAll(keepingCapacity: true)
      for (index, target) in missed {
        // A target missed again after it was patched twice is fought over by another patch (two
        // amocas on one address with opposite aims): it is dropped rather than patched forever.
        if aim.attempts[index] >= 2 || trapsWhateverItsValues(index, program, current, generated.baseRegisters) {
          aim.dropped[index] = true
          continue
        }
        guard let view = views[index] else {
          if index == first { aim.dropped[index] = true }
          continue
        }
        let span = (start: view.address, end: view.address &+ UInt64(facts[index].bytes ?? 0))
        if touched.contains(where: { $0.start < span.end && span.start < $0.end }) { continue }
        let goal = index == first ? firstTarget : target
        aim.plans += 1
        let patch =
          goal.aimsAtAMO
          ? planAMO(program[index], goal, view, live: nil)
          : plan(program[index], goal, view, stores, generated.baseRegisters, live: nil, &aim.random)
        if let patch {
          start.apply(patch)
          aim.patches += 1
          aim.attempts[index] += 1
          touched.append(span)
        } else if index == first {
          aim.dropped[index] = true
        }
      }
      // A round that patched nothing leaves the run, and so every view, as it was: the targets
      // still missed would be dropped one per round, each failing the same plan again.
      if touched.isEmpty {
        run = current
        break
      }
    }
    random = aim.random
    let patches = aim.patches
    if tracing {
      for index in program.indices where aim.dropped[index] {
        print(
          "prepare: dropped \(aim.targets[index].map { $0.rawValue } ?? "?") at \(index): \(program[index].assembly) view \(views[index].map { "\($0)" } ?? "none")"
        )
      }
    }
    // What the last run misses is out of reach, and so is what was dropped on the way, unless the
    // last run meets it after all (a patch made for another target met it too).
    allMissed(program, aim.targets, nil, run, views, into: &missed)
    for event in run.events where aim.dropped[event.index] && !missed.contains(where: { $0.0 == event.index }) {
      aim.dropped[event.index] = false
    }
    for (index, _) in missed { aim.dropped[index] = true }
    var initial = start.initial
    initial.memory = start.image.bytes
    let marks = coverage(program, facts, run, views)
    // The run moves into the case: a copy counted each of its arrays once more, and again when
    // the run left here went.
    let specRun: ConcreteExecutor.Run? = run.isAllowed ? consume run : nil
    var prepared = PreparedCase(
      program: program, initial: initial, marks: marks, infeasibleTargets: aim.dropped.reduce(0) { $1 ? $0 + 1 : $0 },
      patches: patches, specRun: consume specRun)
    prepared.specRuns = aim.runs
    prepared.endedRuns = aim.endedRuns
    prepared.guessesMissedAgain = aim.guessesMissedAgain
    prepared.plans = aim.plans
    // The arrays go back to the workspace for the next program, swapped rather than assigned: an
    // assignment counted each array once more, and once less twice after.
    swap(&workspace.targets, &aim.targets)
    swap(&workspace.dropped, &aim.dropped)
    swap(&workspace.attempts, &aim.attempts)
    swap(&workspace.supported, &supported)
    swap(&workspace.facts, &facts)
    swap(&workspace.observing, &start.observing)
    workspace.image = start.image
    swap(&workspace.missed, &missed)
    swap(&workspace.touched, &touched)
    swap(&workspace.pending, &aim.pending)
    return prepared
  }

  /// Takes back the storage of a case the caller is done with (checked, and held nowhere else),
  /// for later preparations; a shared case is left as it is. The case keeps its program and
  /// marks but loses its initial memory and its kept run.
  public func recycle(_ prepared: inout PreparedCase) {
    guard let (image, run) = prepared.takeStorage() else { return }
    workspaces.recycle(image: consume image, run: consume run)
  }

  // MARK: Targets

  /// The traps a candidate is aimed at, as often as they are drawn: a byte access cannot be
  /// misaligned.
  private static let byteTrapKinds: [CASTarget] = [.readOnly, .unmapped]
  private static let trapKinds: [CASTarget] =
    byteTrapKinds + [.readOnly, .unmapped, .misaligned, .misaligned, .misalignedReadOnly, .misalignedUnmapped]

  private func drawTarget(_ fact: StepFacts, _ random: inout SeededRandom) -> CASTarget {
    let narrow = 8 * (fact.bytes ?? 4) < xlen
    return Self.targetsByRoll[100 * ((fact.pairs ? 2 : 0) + (narrow ? 1 : 0)) + Int(random.below(100))]
  }

  /// The target a roll below a hundred gives an amocas with register pairs or not, narrower than
  /// XLEN or not.
  private static func target(roll: UInt64, pairs: Bool, narrow: Bool) -> CASTarget {
    // Pairs miss more success targets (two registers or sixteen bytes to free): aim them more often.
    switch roll * (pairs ? 85 : 100) / 100 {
    case 0..<55: return .success
    case 55..<65: return narrow ? .successUpperBitsDiffer : .success
    case 65..<80: return .nearMissByte
    case 80..<90: return pairs ? .nearMissHighHalf : .nearMissByte
    default: return .failure
    }
  }

  /// `target(roll:pairs:narrow:)` for every roll, a hundred each for pairs (2) plus narrow (1): a
  /// draw looks its target up, where the chain of comparisons on a random roll was mispredicted
  /// at most draws.
  static let targetsByRoll: [CASTarget] = (0..<400).map { (position: Int) -> CASTarget in
    let kind = position / 100
    return target(roll: UInt64(position % 100), pairs: kind & 2 != 0, narrow: kind & 1 != 0)
  }

  /// Byte and halfword AMOs (Zabha): an operand equal to memory for a quarter of them (half the
  /// amoswaps), and for min/max half the time a sign split; the rest as they come.
  private func drawAMOTarget(_ traits: FormTraits, _ random: inout SeededRandom) -> CASTarget? {
    if traits.isMinMax {
      return random.chance(0.5) ? .amoSignSplit : random.chance(0.3) ? .amoOperandEqual : nil
    }
    return random.chance(traits.operation == .swap ? 0.5 : 0.25) ? .amoOperandEqual : nil
  }

  /// Whether `form` is one of Zabha's byte and halfword AMOs (not amocas).
  static func isNarrowAMO(_ form: InstructionForm) -> Bool { FormTraits.of(form).isNarrowAMO }

  /// Whether a byte or halfword AMO meets its aim, given what it saw (operand in `compare`).
  private func amoTargetHolds(_ target: CASTarget, _ view: CASView, bytes: Int) -> Bool {
    let width = 8 * bytes
    let sign = UInt128(1) << UInt128(width - 1)
    switch target {
    case .amoOperandEqual: return view.compare == view.loaded
    case .amoSignSplit: return (view.compare ^ view.loaded) & sign != 0
    default: return true
    }
  }

  /// The initial bytes a byte or halfword AMO reads, set so that it meets `target`: only bytes no
  /// earlier instruction wrote, read-only ones included (the store permission is what matters
  /// there). During a run (`live`), only bytes no earlier step has read either.
  private func planAMO(
    _ instruction: Instruction, _ target: CASTarget, _ view: CASView, live: ConcreteExecutor.PreStep?
  ) -> Patch? {
    guard let bytes = instruction.accessBytes, view.memoryIsInitial,
      configuration.memoryMap.allows(view.address, bytes: bytes, write: false)
    else { return nil }
    var wanted = view.compare
    if target == .amoSignSplit { wanted ^= UInt128(1) << UInt128(8 * bytes - 1) }
    var patch = Patch(mask: xlenMask)
    patch.bytes(at: view.address & xlenMask)
    for byte in 0..<bytes {
      let address = (view.address &+ UInt64(byte)) & xlenMask
      if let live, !live.isUntouched(address: address) { return nil }
      patch.append(byte: UInt8(truncatingIfNeeded: wanted &>> UInt128(truncatingIfNeeded: 8 * byte)))
    }
    return patch
  }

  /// Changes to the initial state: up to two registers with their new values, and up to sixteen
  /// bytes from one address, each set in memory or in the register an earlier store copies it
  /// from. Held inline: a patch is made at every missed target, and arrays in it cost an
  /// allocation each.
  struct Patch {
    // In the order that packs the fields into 128 bytes: a patch is planned at every missed
    // target, and at that size returning one is a few vector moves rather than a call to memmove.
    /// The registers it sets: `registerCount` values, and their numbers in `registerNumbers`.
    private var registerValues = SIMD2<UInt64>(repeating: 0)
    /// The bytes: `byteCount` of them from `byteAddress` (wrapping at `mask`), little-endian in
    /// `byteValues`.
    private var byteValues: UInt128 = 0
    /// Per byte, the register that carries it (-1: the byte is set in memory) and the bit where
    /// the byte sits in that register.
    private var routeRegisters = SIMD16<Int8>(repeating: -1)
    private var routeBits = SIMD16<UInt8>(repeating: 0)
    /// Bytes that earlier steps of the run under way copied from the registers the patch changes,
    /// with their new values: only a run under way holds them (the initial state does not). Up to
    /// two spans (one per register of a pair), each from an address (wrapping at `mask`), with a
    /// byte per position where `rewritten` has its bit.
    private var rewriteAddresses = SIMD2<UInt64>(repeating: 0)
    private var rewriteValues = SIMD2<UInt64>(repeating: 0)
    private var byteAddress: UInt64 = 0
    private let mask: UInt64
    private var registerNumbers = SIMD2<Int8>(repeating: 0)
    private var rewritten = SIMD2<UInt8>(repeating: 0)
    private var registers: UInt8 = 0
    private var bytes: UInt8 = 0
    /// Whether some byte goes through a register an earlier store copied.
    private(set) var isRouted = false

    var registerCount: Int { Int(registers) }
    var byteCount: Int { Int(bytes) }

    /// A patch for an XLEN whose addresses wrap at `mask`.
    init(mask: UInt64) { self.mask = mask }

    mutating func set(register number: Int, to value: UInt64) {
      registerNumbers[registerCount] = Int8(number)
      registerValues[registerCount] = value
      registers += 1
    }

    /// Starts the bytes at `address`.
    mutating func bytes(at address: UInt64) { byteAddress = address }

    /// The next byte, set in memory. (Byte positions are below sixteen, so the shifts here mask
    /// their amounts rather than test them.)
    mutating func append(byte value: UInt8) {
      byteValues |= UInt128(value) &<< UInt128(truncatingIfNeeded: 8 * byteCount)
      bytes += 1
    }

    /// The next byte, set through bit `bit` of `register`.
    mutating func append(byte value: UInt8, through register: Int, bit: Int) {
      routeRegisters[byteCount] = Int8(register)
      routeBits[byteCount] = UInt8(bit)
      isRouted = true
      append(byte: value)
    }

    /// The bytes an earlier step of the run under way copied from register `number`, which the
    /// patch sets: `positions` of the eight bytes from `address` (bits), and the register's new
    /// value byte for byte.
    mutating func rewrite(copiesOf number: Int, at address: UInt64, positions: UInt8, to value: UInt64) {
      let span = Int(registerNumbers[0]) == number ? 0 : 1
      rewriteAddresses[span] = address
      rewriteValues[span] = value
      rewritten[span] = positions
    }

    /// The value of register `number` the patch sets, if it sets one.
    func value(of number: Int) -> UInt64? {
      (0..<registerCount).first { Int(registerNumbers[$0]) == number }.map { registerValues[$0] }
    }

    private func byte(_ position: Int) -> (address: UInt64, value: UInt8) {
      (
        (byteAddress &+ UInt64(position)) & mask,
        UInt8(truncatingIfNeeded: byteValues &>> UInt128(truncatingIfNeeded: 8 * position))
      )
    }

    func apply(to initial: inout ConcreteState, _ image: inout ConcreteMemory) {
      for position in 0..<registerCount {
        initial.registers[Int(registerNumbers[position])] = registerValues[position]
      }
      // Bytes set in memory alone (the usual patch) are set together, as a run under way sets them.
      if !isRouted {
        if byteCount > 0 { image.set(byteAddress, bytes: byteValues, count: byteCount, mask: mask) }
        return
      }
      for position in 0..<byteCount {
        let (address, value) = byte(position)
        let register = Int(routeRegisters[position])
        guard register >= 0 else {
          image.set(address, value)
          continue
        }
        let bit = UInt64(routeBits[position])
        initial.registers[register] = initial.registers[register] & ~(0xFF << bit) | UInt64(value) << bit
      }
    }

    /// Makes the change in a run under way. Every location is untouched there, or is a register
    /// that only one earlier step read, to copy it to memory: the register changes with the bytes
    /// that step copied (a routed byte, or one of `rewrite`'s).
    func apply(to machine: ConcreteExecutor.PreStep) {
      for position in 0..<registerCount {
        let number = Int(registerNumbers[position])
        if machine.isUntouched(register: number) {
          machine.setInitial(register: number, to: registerValues[position])
        } else {
          machine.setInitial(copiedRegister: number, to: registerValues[position])
        }
      }
      if !isRouted {
        // Bytes set in memory alone (the usual patch) are set together.
        if byteCount > 0 { machine.setInitial(address: byteAddress, bytes: byteValues, count: byteCount) }
      } else {
        for position in 0..<byteCount {
          let (address, value) = byte(position)
          let register = Int(routeRegisters[position])
          guard register >= 0 else {
            machine.setInitial(address: address, to: value)
            continue
          }
          let bit = UInt64(routeBits[position])
          let carried = machine.peek(register: register) & ~(0xFF << bit) | UInt64(value) << bit
          machine.setInitial(copiedRegister: register, to: carried)
          machine.rewrite(copiedByte: address, to: value)
        }
      }
      for span in 0..<2 {
        var positions = rewritten[span]
        while positions != 0 {
          let position = positions.trailingZeroBitCount
          machine.rewrite(
            copiedByte: (rewriteAddresses[span] &+ UInt64(position)) & mask,
            to: UInt8(truncatingIfNeeded: rewriteValues[span] >> UInt64(8 * position)))
          positions &= positions - 1
        }
      }
    }
  }

  /// A base address for a trap target: misaligned at an offset class (half the size, or any),
  /// in read-write, read-only or unmapped memory.
  private func trapAddress(
    _ target: CASTarget, bytes: UInt64, data: MemoryMap.Region, _ random: inout SeededRandom
  ) -> UInt64 {
    let map = configuration.memoryMap
    let readOnly = map.regions.first { $0.access == .readOnly }
    let offset = random.chance(0.5) ? bytes / 2 : 1 + random.below(max(bytes - 1, 1))
    switch target {
    case .misaligned:
      let slots = max((data.size - 96) / 16, 1)
      return data.base + 48 + 16 * random.below(slots) + offset
    case .readOnly, .misalignedReadOnly:
      guard let readOnly else { return 0x1000 }
      let aligned = readOnly.base + bytes * random.below(max(readOnly.size / bytes, 1))
      return target == .readOnly ? aligned : min(aligned + offset, readOnly.base + readOnly.size - 1)
    default:
      let aligned = (0x1000 + bytes * random.below(64)) & xlenMask
      return target == .unmapped ? aligned : aligned + offset
    }
  }

  /// Every amocas (in the order the run reaches them, each once) whose target the run misses,
  /// leaving out those `dropped` marks (nil: none). They are listed in `missed`, emptied first:
  /// the caller keeps one array for every round.
  private func allMissed(
    _ program: [Instruction], _ targets: [CASTarget?], _ dropped: [Bool]?, _ run: ConcreteExecutor.Run,
    _ views: Views, into missed: inout [(Int, CASTarget)]
  ) {
    missed.removeAll(keepingCapacity: true)
    func miss(_ index: Int, _ target: CASTarget) { missed.append((index, target)) }
    for event in run.events {
      // A target met again (a loop) is listed once; `missed` stays short, so no copy of `dropped`
      // marks them.
      guard let target = targets[event.index], dropped?[event.index] != true,
        !missed.contains(where: { $0.0 == event.index })
      else { continue }
      if target.aimsAtAMO {
        let bytes = program[event.index].accessBytes ?? 1
        if event.trapCause != nil || views[event.index].map({ !amoTargetHolds(target, $0, bytes: bytes) }) != false {
          miss(event.index, target)
        }
        continue
      }
      let misses =
        (target.aimsAtSuccess && event.success != true) || (target.aimsAtFailure && event.success != false)
        || (target.aimsAtFailure && views[event.index].map { !nearMissHolds(target, program[event.index], $0) } == true)
      if misses { miss(event.index, target) }
    }
  }

  /// Whether instruction `index` trapped in `run` for a reason no patch changes: an illegal
  /// encoding (a reserved register pair, a form outside the ISA), or a fault at an address taken
  /// from a base register, which patches leave alone. Its compare or operand targets are out of
  /// reach, and patching its values would only cost reruns.
  private func trapsWhateverItsValues(
    _ index: Int, _ program: [Instruction], _ run: ConcreteExecutor.Run, _ bases: [Int]
  ) -> Bool {
    guard let cause = run.events.last(where: { $0.index == index })?.trapCause else { return false }
    return cause == 2 || bases.contains(program[index].rs1)
  }

  private func nearMissHolds(_ target: CASTarget, _ instruction: Instruction, _ view: CASView) -> Bool {
    let difference = view.compare ^ view.loaded
    switch target {
    case .nearMissByte: return differingBytes(difference) == 1
    case .nearMissHighHalf: return difference != 0 && difference & lowMask == 0
    default: return true
    }
  }

  private var lowMask: UInt128 { UInt128(xlenMask) }

  private func differingBytes(_ difference: UInt128) -> Int {
    // A byte is non-zero when any of its bits is: fold each byte's bits into its lowest.
    func count(_ word: UInt64) -> Int {
      var folded = word | word >> 4
      folded |= folded >> 2
      folded |= folded >> 1
      return (folded & 0x0101_0101_0101_0101).nonzeroBitCount
    }
    return count(UInt64(truncatingIfNeeded: difference)) + count(UInt64(truncatingIfNeeded: difference >> 64))
  }

  /// The outcomes of one instruction, each once: a bit per outcome, in declaration order.
  struct Outcomes {
    private var bits: UInt32 = 0

    mutating func insert(_ outcome: CASOutcome) { bits |= 1 &<< UInt32(truncatingIfNeeded: outcome.ordinal) }

    /// Appends a mark of `form` per outcome to `cells`.
    func add(_ form: InstructionForm, to cells: inout [CoverageMark]) {
      var left = bits
      while left != 0 {
        let ordinal = left.trailingZeroBitCount
        cells.append(CoverageMark(form, CASOutcome.inOrder[ordinal]))
        left &= left - 1
      }
    }
  }

  // MARK: Running and patching

  /// What observing needs of each instruction, worked out once per program rather than per step.
  struct StepFacts {
    /// Bytes the instruction accesses, if it accesses memory.
    let bytes: Int?
    let isAmocas: Bool
    /// A byte or halfword AMO: its operand and memory are seen as an amocas's compare value is.
    let isNarrowAMO: Bool
    /// An amocas or a byte or halfword AMO: a step a target may aim at. Worked out with the rest:
    /// tested for every step, the two tests were a branch on random program content.
    let isAimed: Bool
    let traits: FormTraits
    let pairs: Bool
    /// How it copies registers to memory unchanged, if it does.
    let copy: CopyKind?

    enum CopyKind {
      /// A store: base plus immediate, from rs2.
      case store
      /// amoswap or SC: at the base, from rs2.
      case atomic
      /// amocas: at the base, from rs2 (and rs2 + 1 for a pair).
      case swapValue
    }

    /// Stands in for the facts of a step before they are worked out.
    static let none = StepFacts()

    private init() {
      bytes = nil
      isAmocas = false
      isNarrowAMO = false
      isAimed = false
      traits = FormTraits.none
      pairs = false
      copy = nil
    }

    init(_ form: InstructionForm, xlen: Int) {
      bytes = form.accessBytes
      isAmocas = form.isCompareAndSwap
      traits = FormTraits.of(form)
      isNarrowAMO = traits.isNarrowAMO
      isAimed = isAmocas || isNarrowAMO
      pairs = form.usesRegisterPairs(xlen: xlen)
      switch form.format {
      case .store where bytes != nil: copy = .store
      case .atomic where bytes != nil && [.swap, .storeConditional].contains(traits.operation):
        copy = .atomic
      case .atomic where bytes != nil && isAmocas: copy = .swapValue
      default: copy = nil
      }
    }
  }

  /// What each run of a program starts from: the initial state as it is patched, and what the run
  /// keeps between runs. Held apart from the aim, which the observer changes during a run: while a
  /// closure may change a value, the run could only take copies of its parts, each counted once
  /// more at every run.
  struct Start {
    let program: [Instruction]
    var initial: ConcreteState
    var image: ConcreteMemory
    /// Steps of earlier runs of the program, done again where they read the same values.
    let cache: StepCache
    /// What the last run held as it entered each step: where a store wrote, and from what.
    let entries: StepEntries
    /// The steps a run shows the oracle: those a patch may aim at, and the first step, where a
    /// rerun starts over. Stores are not shown: what a route needs of them is in `entries`.
    var observing: [Bool]

    mutating func apply(_ patch: Patch) { patch.apply(to: &initial, &image) }
  }

  /// What preparing one program aims at.
  struct Aim {
    var targets: [CASTarget?]
    var dropped: [Bool]
    /// Patches made for each target.
    var attempts: [Int]
    let bases: [Int]
    var random: SeededRandom
    var patches = 0
    var runs = 0
    /// Runs that a guess ended.
    var endedRuns = 0
    /// The step the last run ended at with a guess, for the next run to see whether the guess
    /// met its target; and how many guesses did not.
    var lastGuess: Int?
    var guessesMissedAgain = 0
    /// Plans worked out for missed targets, made into patches or not.
    var plans = 0
    /// Patches made during the run under way, for the initial state once the run is over: the
    /// run holds a copy of the initial state, and changing the aim's meanwhile would copy it.
    var pending: [Patch]
  }

  /// Runs the spec concretely, noting what each amocas sees before it runs. A target the amocas
  /// would miss is patched on the spot when the patch changes only initial values that no step
  /// has read or written yet: the run goes on as a run from the patched state would, so the
  /// targets after it see the patch at once rather than a round later. With `guessing`, a target
  /// such a patch cannot meet is patched anyway, as a round would patch it, and the run ends
  /// there: the caller runs the program again from the patched state (`guessed`). The steps after
  /// the guess would run from values no initial state gives, and the targets among them are
  /// aimed as well in the next run as in this one.
  private func observe(
    _ facts: [StepFacts], _ supported: [Bool], _ stores: Stores, _ start: inout Start, _ aim: inout Aim,
    _ views: Views, guessing: Bool
  ) -> (run: ConcreteExecutor.Run, guessed: Bool) {
    let program = start.program
    aim.runs += 1
    // The last run's views go stale; a step that reads what it read then may keep its view.
    views.nextRun()
    var observedAny = false
    var patchedLive = false
    var guessed = false
    var previousGuess = aim.lastGuess
    aim.lastGuess = nil
    // Held here for the run: read from the aim at each plan, the array was retained for the call.
    let bases = aim.bases
    // The observer does not outlive the run: it changes the aim and the views in place.
    let run = executor.firstRun(
      program, initial: start.initial, memory: start.image, supported: supported, observing: start.observing,
      cache: start.cache, entries: start.entries
    ) { index, machine in
      // A run that a profile constraint pruned starts again from the top: keep the last run's views.
      if index == 0 && observedAny { views.clear(count: program.count) }
      observedAny = true
      let fact = facts[index]
      guard let bytes = fact.bytes, fact.isAimed else { return }
      // A step that will be done again as an earlier run did it, and was only noted then, is
      // noted so again without being looked at.
      if keepsQuietViews && machine.replaysEarlierRun && index != previousGuess && views.keepQuiet(index) { return }
      let instruction = program[index]
      // Made once and not copied on the way: a view is a hundred-odd bytes, and each copy of one
      // cost a call to memmove at every observation.
      let seen = casView(instruction, fact, bytes: bytes, machine)
      if index == previousGuess {
        previousGuess = nil
        if let target = aim.targets[index], misses(target, instruction, seen) { aim.guessesMissedAgain += 1 }
      }
      guard let target = aim.targets[index], !aim.dropped[index], aim.attempts[index] < 2,
        misses(target, instruction, seen)
      else {
        views.set(index, seen, quiet: true)
        return
      }
      aim.plans += 1
      if let patch = target.aimsAtAMO
        ? planAMO(instruction, target, seen, live: machine)
        : plan(instruction, target, seen, stores, bases, live: machine, &aim.random)
      {
        aim.pending.append(patch)
        patch.apply(to: machine)
        // Not counted as an attempt: a later round may still need two of its own.
        aim.patches += 1
        patchedLive = true
        views.set(index, casView(instruction, fact, bytes: bytes, machine), quiet: false)
      } else if guessing, !mayTrapWhateverItsValues(instruction, fact, seen, supported: supported[index]) {
        aim.plans += 1
        guard
          let patch = target.aimsAtAMO
            ? planAMO(instruction, target, seen, live: nil)
            : plan(instruction, target, seen, stores, bases, live: nil, &aim.random)
        else {
          // No change to the initial state meets the target from what this step sees, and the
          // same plan fails in every later run (which registers and bytes earlier steps wrote
          // hardly changes between runs): the target is dropped now, not planned for again.
          aim.dropped[index] = true
          views.set(index, seen, quiet: true)
          return
        }
        // A patch the run under way cannot take as it stands (a step read what it changes) is
        // made anyway, as a guess, and the program runs again from the patched state, as a
        // round would run it.
        aim.pending.append(patch)
        aim.patches += 1
        aim.attempts[index] += 1
        guessed = true
        aim.endedRuns += 1
        aim.lastGuess = index
        machine.endRun()
      } else {
        views.set(index, seen, quiet: false)
      }
    }
    for patch in aim.pending { start.apply(patch) }
    aim.pending.removeAll(keepingCapacity: true)
    // Patches made during a run that was pruned and started over are not all in the run that
    // stands: run the patched state again.
    if (patchedLive || guessed) && run.attempts > 1 {
      return observe(facts, supported, stores, &start, &aim, views, guessing: guessing)
    }
    return (run, guessed)
  }

  /// Whether the step about to run may trap whatever values a patch gives it: an illegal encoding
  /// (a form outside the ISA, a reserved odd register pair), or an access that is misaligned or at
  /// an address the memory map refuses. Such a target is left to the rounds, which see the trap.
  private func mayTrapWhateverItsValues(
    _ instruction: Instruction, _ fact: StepFacts, _ view: CASView, supported: Bool
  ) -> Bool {
    guard let bytes = fact.bytes else { return true }
    if !supported || (fact.pairs && (instruction.rd % 2 == 1 || instruction.rs2 % 2 == 1)) { return true }
    return view.address % UInt64(bytes) != 0 || !configuration.memoryMap.allows(view.address, bytes: bytes, write: true)
  }

  /// What an amocas (or a byte or halfword AMO) sees just before it runs. It looks only at the
  /// step's own operands and the bytes it loads, which the step notes as read when it runs (an
  /// odd pair, which reads less, traps and ends the run), so it peeks rather than reads.
  @inline(__always) private func casView(
    _ instruction: Instruction, _ fact: StepFacts, bytes: Int, _ machine: ConcreteExecutor.PreStep
  ) -> CASView {
    let address = machine.peek(register: instruction.rs1)
    let width = 8 * bytes
    var compare: UInt128
    var compareRegisters = InlineIndices()
    if fact.isNarrowAMO {
      // The operand, at the access width, stands where an amocas has its compare value.
      compare = UInt128(machine.peek(register: instruction.rs2)) & BitVec.mask(width)
    } else if fact.pairs {
      if instruction.rd != 0 {
        compareRegisters.append(instruction.rd)
        compareRegisters.append((instruction.rd + 1) & 31)
      }
      compare =
        instruction.rd == 0
        ? 0
        : UInt128(machine.peek(register: instruction.rd)) | UInt128(machine.peek(register: (instruction.rd + 1) & 31))
          &<< UInt128(truncatingIfNeeded: xlen)
    } else {
      if instruction.rd != 0 { compareRegisters.append(instruction.rd) }
      compare = UInt128(machine.peek(register: instruction.rd)) & BitVec.mask(width)
    }
    let (loaded, byteWriters) = machine.peekBytes(at: address, count: bytes)
    return CASView(
      compare: compare, loaded: loaded, address: address,
      compareRegister: machine.peek(register: fact.isNarrowAMO ? instruction.rs2 : instruction.rd),
      byteWriters: ByteWriters(byteWriters, count: bytes), memoryIsInitial: ConcreteMemory.noneWritten(byteWriters),
      registersAreInitial: !compareRegisters.isEmpty
        && compareRegisters.allSatisfy { machine.registerWriter($0) == -1 })
  }

  /// Whether an amocas or AMO that sees `view` would miss `target` (a trap aside).
  @inline(__always) private func misses(_ target: CASTarget, _ instruction: Instruction, _ view: CASView) -> Bool {
    if target.aimsAtAMO { return !amoTargetHolds(target, view, bytes: instruction.accessBytes ?? 1) }
    let equal = view.compare == view.loaded
    if target.aimsAtSuccess { return !equal }
    if target.aimsAtFailure { return equal || !nearMissHolds(target, instruction, view) }
    return false
  }

  /// What each store-like step of the last run copied to memory, worked out from what the run held
  /// as it entered the step: the routes a patch may take to a compared byte.
  struct Stores {
    let program: [Instruction]
    let facts: [StepFacts]
    let entries: StepEntries
    let xlenMask: UInt64

    /// What instruction `index` copied in the last run that reached it; nil if it copies nothing.
    func copy(at index: Int) -> StoreCopy? {
      let instruction = program[index]
      guard let kind = facts[index].copy, let bytes = instruction.accessBytes else { return nil }
      let base = entries.base(at: index)
      let address = kind == .store ? (base &+ UInt64(bitPattern: instruction.immediate)) & xlenMask : base
      // The registers copied, low half first; a pair starting at x0 reads as zero and has none.
      let pair = facts[index].pairs && kind == .swapValue
      var registers = InlineIndices()
      if !(pair && instruction.rs2 == 0) {
        registers.append(instruction.rs2)
        if pair { registers.append(instruction.rs2 + 1) }
      }
      let initial = !registers.isEmpty && registers.allSatisfy { entries.isInitial(register: $0, at: index) }
      return StoreCopy(address: address, bytes: bytes, registers: registers, sourceIsInitial: initial)
    }
  }

  /// How to change the initial state so that the amocas at `instruction` meets `target`, given
  /// what it saw; nil when neither the memory nor the compare registers can be changed. During a
  /// run (`live`), only initial values that no step has read or written yet may change.
  private func plan(
    _ instruction: Instruction, _ target: CASTarget, _ view: CASView, _ stores: Stores, _ bases: [Int],
    live: ConcreteExecutor.PreStep?, _ random: inout SeededRandom
  ) -> Patch? {
    guard let bytes = instruction.accessBytes else { return nil }
    let width = 8 * bytes
    let pairs = instruction.usesRegisterPairs(xlen: xlen)
    var compareRegisters = InlineIndices()
    if instruction.rd != 0 { compareRegisters.append(instruction.rd) }
    if instruction.rd != 0 && pairs { compareRegisters.append(instruction.rd + 1) }
    var registersFree =
      view.registersAreInitial && !compareRegisters.contains(where: { bases.contains($0) || $0 == instruction.rs1 })
    // The route of each compared byte through an earlier store: the register that carries it
    // (-1: none) and the bit where it sits there.
    var routeRegisters = SIMD16<Int8>(repeating: -1)
    var routeBits = SIMD16<UInt8>(repeating: 0)
    var memoryPatchable: Bool
    if let live {
      // During a run only registers and bytes no step has read or written yet may change, and
      // registers that only one earlier step read, to copy them to memory (with the bytes it
      // copied, which no step has read since).
      registersFree =
        registersFree
        && compareRegisters.allSatisfy {
          live.isUntouched(register: $0) || soleCopier(of: $0, stores, bases, live) != nil
        }
      memoryPatchable = configuration.memoryMap.allows(view.address, bytes: bytes, write: true)
      // The last store looked at, and the register last found to carry a byte: the bytes of
      // one store mostly share both.
      var store: (writer: Int, copy: StoreCopy?) = (-1, nil)
      var carrier: (writer: Int, register: Int)?
      for byte in 0..<bytes where memoryPatchable {
        let at = (view.address &+ UInt64(byte)) & xlenMask
        if live.isUntouched(address: at) { continue }
        // A byte an earlier store copied from a register that only it read: set through it.
        let writer = view.byteWriters[byte]
        if writer >= 0 && writer != store.writer { store = (writer, stores.copy(at: writer)) }
        guard writer >= 0, let copy = store.copy, at &- copy.address < UInt64(copy.bytes) else {
          memoryPatchable = false
          break
        }
        let bit = 8 * Int(at &- copy.address)
        guard bit / xlen < copy.registers.count else {
          memoryPatchable = false
          break
        }
        let register = copy.registers[bit / xlen]
        if carrier.map({ $0 != (writer, register) }) ?? true {
          guard register != instruction.rs1, soleCopier(of: register, stores, bases, live)?.index == writer else {
            memoryPatchable = false
            break
          }
          carrier = (writer, register)
        }
        routeRegisters[byte] = Int8(register)
        routeBits[byte] = UInt8(bit % xlen)
      }
    } else {
      memoryPatchable = configuration.memoryMap.allows(view.address, bytes: bytes, write: true)
      // Each compared byte is either initial, or was copied by an earlier instruction from
      // registers that still held their initial values: then it can be set through those registers.
      // The bytes of one store share its copy: it is worked out once for them.
      var store: (writer: Int, copy: StoreCopy?) = (-1, nil)
      for (byte, writer) in view.byteWriters.enumerated() where memoryPatchable {
        guard writer >= 0 else { continue }
        let at = (view.address &+ UInt64(byte)) & xlenMask
        if writer != store.writer { store = (writer, stores.copy(at: writer)) }
        guard let copy = store.copy, copy.sourceIsInitial,
          !copy.registers.contains(where: { bases.contains($0) }),
          at >= copy.address, at - copy.address < UInt64(copy.bytes)
        else {
          memoryPatchable = false
          break
        }
        let bit = 8 * Int(at - copy.address)
        routeRegisters[byte] = Int8(copy.registers[bit / xlen])
        routeBits[byte] = UInt8(bit % xlen)
      }
    }
    guard registersFree || memoryPatchable else { return nil }
    // The value the compare should meet: equal for success, then a near miss for failures.
    var wanted = view.loaded
    var alterMemory = memoryPatchable && (!registersFree || random.chance(0.5))
    switch target {
    case .success, .successUpperBitsDiffer:
      // The upper bits of a narrow compare register only show when the register is patched.
      if target == .successUpperBitsDiffer && registersFree { alterMemory = false }
    case .nearMissByte:
      let byte = random.below(UInt64(bytes))
      wanted ^= UInt128(1 + random.below(255)) << UInt128(8 * byte)
    case .nearMissHighHalf:
      wanted ^= UInt128(1 + random.below(UInt64(xlenMask))) << UInt128(xlen)
    default:
      // A plain failure: any other value.
      wanted ^= UInt128(random.next() | 1) | UInt128(random.next()) << 64
    }
    wanted &= BitVec.mask(width)
    var patch = Patch(mask: xlenMask)
    if alterMemory {
      // Memory takes the compare value, moved by the near miss: compare ^ (wanted ^ loaded).
      let stored = view.compare ^ (wanted ^ view.loaded)
      patch.bytes(at: view.address & xlenMask)
      for byte in 0..<bytes {
        let piece = UInt8(truncatingIfNeeded: stored &>> UInt128(truncatingIfNeeded: 8 * byte))
        if routeRegisters[byte] >= 0 {
          patch.append(byte: piece, through: Int(routeRegisters[byte]), bit: Int(routeBits[byte]))
        } else {
          patch.append(byte: piece)
        }
      }
      return patch
    }
    if pairs {
      patch.set(register: instruction.rd, to: UInt64(truncatingIfNeeded: wanted) & xlenMask)
      patch.set(register: instruction.rd + 1, to: UInt64(truncatingIfNeeded: wanted >> UInt128(xlen)) & xlenMask)
    } else {
      // Narrow forms: the low bits take the value; the bits above stay as they were,
      // sign-extended, or (aimed at) different from the sign extension.
      let low = UInt64(truncatingIfNeeded: wanted)
      var upper: UInt64 = 0
      if width < xlen {
        let lowMask: UInt64 = (1 << UInt64(width)) - 1
        let extended = low & (1 << UInt64(width - 1)) != 0 ? low | ~lowMask : low
        upper = view.compareRegister & ~lowMask
        if target == .successUpperBitsDiffer {
          if upper == extended & ~lowMask { upper ^= 1 << UInt64(width) }
        } else if random.chance(0.5) {
          upper = extended & ~lowMask
        }
      }
      patch.set(register: instruction.rd, to: (upper | low) & xlenMask)
    }
    if let live { rewriteCopies(&patch, compareRegisters, stores, bases, live) }
    return patch
  }

  /// The one step of the run under way that read register `number`, when that step copied it
  /// to memory unchanged and used it for nothing else, the register is still initial, and no
  /// later step has read the bytes copied from it: changing the register's initial value then
  /// changes those bytes and nothing else, so the run may go on from the change. Nil otherwise.
  private func soleCopier(
    of number: Int, _ stores: Stores, _ bases: [Int], _ live: ConcreteExecutor.PreStep
  ) -> (index: Int, copy: StoreCopy)? {
    guard number != 0, !bases.contains(number), live.registerWriter(number) == -1,
      let reader = live.soleReader(ofRegister: number), let copy = stores.copy(at: reader),
      copy.registers.contains(number), stores.program[reader].rs1 != number,
      configuration.memoryMap.allows(copy.address, bytes: copy.bytes, write: true)
    else { return nil }
    // A store copies its source and reads only its base besides; amoswap and SC write rd and an
    // amocas writes its compare registers, so a register still initial is none of those.
    let span = copiedSpan(of: number, copy)
    guard live.isUnread(address: copy.address &+ UInt64(span.lowerBound), bytes: span.count, after: reader)
    else { return nil }
    return (reader, copy)
  }

  /// The positions of the bytes `copy` took from register `number` (one of its registers): all of
  /// them, or one register's half of a pair.
  private func copiedSpan(of number: Int, _ copy: StoreCopy) -> Range<Int> {
    guard copy.registers.count > 1 else { return 0..<copy.bytes }
    let half = xlen / 8
    let start = copy.registers[0] == number ? 0 : half
    return start..<min(start + half, copy.bytes)
  }

  /// Adds to a live patch of compare registers the bytes that an earlier step of the run copied
  /// from those registers and still holds: they change with the registers.
  private func rewriteCopies(
    _ patch: inout Patch, _ registers: InlineIndices, _ stores: Stores, _ bases: [Int],
    _ live: ConcreteExecutor.PreStep
  ) {
    for number in registers where !live.isUntouched(register: number) {
      guard let value = patch.value(of: number), let (reader, copy) = soleCopier(of: number, stores, bases, live)
      else { continue }
      // The register's bytes sit at the start of its span; those a later store overwrote stay.
      let span = copiedSpan(of: number, copy)
      let start = (copy.address &+ UInt64(span.lowerBound)) & xlenMask
      var positions: UInt8 = 0
      for position in 0..<span.count
      where live.peekBytes(at: start &+ UInt64(position), count: 1).writers[0] == reader {
        positions |= 1 << UInt8(position)
      }
      patch.rewrite(copiesOf: number, at: start, positions: positions, to: value)
    }
  }

  /// In `supportedByForm`: a form whose facts are not worked out yet (else 1 when the ISA has it, 0 when not).
  static let unknownForm: UInt8 = 2

  /// A small value, one just below the top, or any value: a quarter, a quarter and a half.
  @inline(__always) func randomRegisterValue(_ random: inout SeededRandom) -> UInt64 {
    // Drawn as `below(16)` and `next()` draw, but chosen among without a branch: the kind is
    // random, so a switch on it was mispredicted at most registers of every program.
    let kind = random.below(4)
    var value = random.next()
    // `below(16)` draws again after one of the top sixteen values (so rarely that it never happens).
    if value >= 0 &- 16 && kind < 2 { repeat { value = random.next() } while value >= 0 &- 16 }
    let small = value & 15
    let nearTop = (UInt64.max - small) & xlenMask
    return kind == 0 ? small : kind == 1 ? nearTop : value & xlenMask
  }

  // MARK: Coverage

  /// The outcome the spec gives each amocas the final run reaches.
  private func coverage(
    _ program: [Instruction], _ facts: [StepFacts], _ run: ConcreteExecutor.Run, _ views: Views
  ) -> [CoverageMark] {
    var cells: [CoverageMark] = []
    // Room for the usual count (a few marks an event): grown a mark at a time, the array cost an
    // allocation every few marks.
    cells.reserveCapacity(4 * run.events.count)
    for event in run.events {
      let instruction = program[event.index]
      let fact = facts[event.index]
      if fact.isNarrowAMO {
        amoCoverage(instruction, fact.traits, event, views[event.index], into: &cells)
        continue
      }
      guard fact.isAmocas else { continue }
      guard instruction.isCompareAndSwap, let bytes = instruction.accessBytes else { continue }
      var outcomes = Outcomes()
      let view = views[event.index]
      if let cause = event.trapCause {
        switch cause {
        case 2: outcomes.insert(.illegal)
        case 6: outcomes.insert(.misalignedTrap)
        case 7: outcomes.insert(.accessFault)
        default: break
        }
        if let address = view?.address, cause != 2, address % UInt64(bytes) != 0 {
          let map = configuration.memoryMap
          if !map.allows(address, bytes: 1, write: false) {
            outcomes.insert(.misalignedUnmapped)
          } else if !map.allows(address, bytes: 1, write: true) {
            outcomes.insert(.misalignedReadOnly)
          }
          if bytes > 2 && address % UInt64(bytes) == UInt64(bytes / 2) { outcomes.insert(.misalignedHalf) }
        }
      } else if let success = event.success, let view {
        outcomes.insert(success ? .success : .failure)
        let difference = view.compare ^ view.loaded
        if !success && differingBytes(difference) == 1 { outcomes.insert(.nearMissByte) }
        if !success && fact.pairs && difference & lowMask == 0 { outcomes.insert(.nearMissHighHalf) }
        let width = 8 * bytes
        if success && width < xlen && instruction.rd != 0 {
          let lowMask: UInt64 = (1 << UInt64(width)) - 1
          let low = view.compareRegister & lowMask
          let extended = low & (1 << UInt64(width - 1)) != 0 ? (low | ~lowMask) & xlenMask : low
          if view.compareRegister != extended { outcomes.insert(.upperBitsDiffer) }
        }
      }
      let pairs = fact.pairs
      if pairs && (instruction.rd == 0 || instruction.rs2 == 0) { outcomes.insert(.x0Pair) }
      if pairs && (instruction.rd % 2 == 1 || instruction.rs2 % 2 == 1) { outcomes.insert(.oddPair) }
      if instruction.rd != 0
        && (instruction.rd == instruction.rs1 || (pairs && instruction.rd + 1 == instruction.rs1)
          || instruction.rd == instruction.rs2)
      {
        outcomes.insert(.overlap)
      }
      instruction.withForm { outcomes.add($0, to: &cells) }
    }
    return cells
  }

  /// The outcome the spec gives a byte or halfword AMO: executed or trapped, and the corners of
  /// its width (rs2's upper bits, a sign split for min/max, a result that equals memory).
  private func amoCoverage(
    _ instruction: Instruction, _ traits: FormTraits, _ event: ConcreteExecutor.StepEvent, _ view: CASView?,
    into cells: inout [CoverageMark]
  ) {
    guard let bytes = instruction.accessBytes else { return }
    var outcomes = Outcomes()
    if let cause = event.trapCause {
      if cause == 6 { outcomes.insert(.misalignedTrap) }
      if cause == 7 { outcomes.insert(.accessFault) }
      if let address = view?.address, address % UInt64(bytes) != 0 {
        let map = configuration.memoryMap
        if !map.allows(address, bytes: 1, write: false) {
          outcomes.insert(.misalignedUnmapped)
        } else if !map.allows(address, bytes: 1, write: true) {
          outcomes.insert(.misalignedReadOnly)
        }
      }
    } else if let view {
      outcomes.insert(.executed)
      let width = UInt64(8 * bytes)
      let lowMask: UInt64 = (1 << width) - 1
      let low = view.compareRegister & lowMask
      let extended = low & (1 << (width - 1)) != 0 ? (low | ~lowMask) & xlenMask : low
      if instruction.rs2 != 0 && view.compareRegister != extended { outcomes.insert(.upperBitsDiffer) }
      let (a, b) = (UInt64(truncatingIfNeeded: view.loaded), UInt64(truncatingIfNeeded: view.compare))
      let sign: UInt64 = 1 << (width - 1)
      let operation = traits.operation
      if traits.isMinMax && (a ^ b) & sign != 0 { outcomes.insert(.signSplit) }
      // Only whether the store changes nothing: the value itself is the spec's business.
      let signedLess = (a ^ sign) < (b ^ sign)
      let unchanged: Bool
      switch operation {
      case .swap: unchanged = a == b
      case .add, .xor: unchanged = b == 0
      case .or: unchanged = b == 0 || a | b == a
      case .and: unchanged = a & b == a
      case .min: unchanged = signedLess || a == b
      case .max: unchanged = !signedLess
      case .minu: unchanged = a <= b
      default: unchanged = a >= b
      }
      if unchanged { outcomes.insert(.unchanged) }
    }
    if instruction.rd != 0 && (instruction.rd == instruction.rs1 || instruction.rd == instruction.rs2) {
      outcomes.insert(.overlap)
    }
    instruction.withForm { outcomes.add($0, to: &cells) }
  }
}
