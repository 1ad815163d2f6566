import Foundation

/// Proves the functional obligations of a kernel tree's RISC-V `xchg` and `cmpxchg` on one hart:
/// every primitive, size, ordering, boot path and XLEN the tree provides, for any values of the C
/// argument types, against the relational spec (permissive profile: an SC may fail spuriously).
public struct AtomicsProver: Sendable {
  /// The tree's root: `arch/riscv/include/asm/cmpxchg.h` must be under it.
  public let root: String
  public var xlens: [Int] = [64, 32]
  public var paths: [AtomicsBootPath] = AtomicsBootPath.all
  public var primitives: [AtomicsPrimitive] = AtomicsPrimitive.all
  public var preprocessor = KernelPreprocessor()
  /// Solver time per obligation before it is unknown.
  public var timeoutMilliseconds: UInt32 = 20_000
  /// The LKMM's verdicts on the shapes' C tests, decided once per process: they depend on the
  /// shape and the primitive only, not on the tree.
  let lkmmVerdicts = LKMMVerdicts.shared
  /// Kernel C litmus tests to compile through the tree (`--litmus`), each with its file.
  public var litmusTests: [(file: String, test: KernelLitmusTest)] = []
  /// The ordering shapes to check (nil: every one; empty: the functional obligations only).
  public var shapes: Set<Obligation>? = nil
  /// The LKMM's final states of each of them, decided once per prover.
  let suiteStates = SuiteStates()
  /// RVWMO's verdicts on the compiled tests, by text, decided once per process: trees and eras
  /// that compile a shape to the same code share one.
  let compiledVerdicts = CompiledVerdicts.shared

  public init(root: String) {
    self.root = root
    generic = GenericAtomics(root: root)
    spinlocks = TreeSpinlocks(root: root)
  }

  /// The tree's generic atomic layer, if it has one.
  let generic: GenericAtomics
  /// The tree's spinlock, as the compiled C tests' `spin_lock()` and `spin_unlock()`.
  let spinlocks: TreeSpinlocks

  /// A functional obligation of one primitive.
  public enum Obligation: String, CaseIterable, Sendable {
    /// The value returned is the old value, as the C caller compares it.
    case returnsOld = "returns-old"
    /// Memory becomes the new value exactly when the old value equals the expected one (cmpxchg),
    /// or always (xchg). Under the permissive profile an SC may fail on any try: an LR/SC loop
    /// that gives up after a spurious failure breaks this one.
    case memoryUpdate = "memory-update"
    /// Bytes beside the object, up to its aligned doubleword, keep their values.
    case neighboursKept = "neighbours-kept"
    /// No instruction traps on an aligned object in writable memory.
    case noTrap = "no-trap"
    /// The primitive as the flag write of message passing (read with `smp_load_acquire`).
    case messagePassingWriter = "MP-writer"
    /// The primitive as the flag read of message passing (written with `smp_store_release`).
    case messagePassingReader = "MP-reader"
    /// The primitive on both sides of store buffering, each followed by a read of the other side.
    case storeBuffering = "SB"
    /// Load buffering, 2+2W, R, S, WRC and ISA2 with the primitive as a write (`OrderingShape`).
    case loadBuffering = "LB"
    case twoPlusTwoWrites = "2+2W"
    case readShape = "R"
    case storeShape = "S"
    case writeToReadCausality = "WRC"
    case isa2 = "ISA2"
    /// The kernel's `cmpxchg-fail-*` tests: a cmpxchg that fails orders nothing by itself
    /// (`unordered`), but followed by `smp_mb__after_atomic()` it is a full barrier (`ordered-1`)
    /// and gives acquire ordering (`ordered-2`).
    case failOrdered1 = "cmpxchg-fail-ordered-1"
    case failOrdered2 = "cmpxchg-fail-ordered-2"
    case failUnordered1 = "cmpxchg-fail-unordered-1"
    case failUnordered2 = "cmpxchg-fail-unordered-2"

    static let functional: [Obligation] = [.returnsOld, .memoryUpdate, .neighboursKept, .noTrap]
    /// The ordering shapes, in the report's order.
    public static var shapes: [Obligation] { allCases.filter { !functional.contains($0) } }
    /// Their names, as `--shapes` takes them.
    public static var shapeNames: String { shapes.map(\.rawValue).joined(separator: ", ") }
  }

  public enum Verdict: Sendable, Equatable {
    case proved
    /// An ordering shape whose outcome the LKMM itself allows: nothing for the mapping to keep out.
    case allowed
    case failed(String)
    case unknown(String)
  }

  /// One primitive on one boot path and XLEN.
  public struct Row: Sendable {
    public let primitive: AtomicsPrimitive
    public let path: AtomicsBootPath
    public let xlen: Int
    /// Nil when the tree does not provide the primitive there (`absent` says why).
    public let verdicts: [Obligation: Verdict]?
    public let absent: String?
    /// Where the reader stopped, when it could not follow the code (every obligation unknown).
    public let unknown: String?
    /// Where the tree defines the primitive's macro (`#define arch_cmpxchg_acquire(`), if it does.
    public var definition: SourceLocation? = nil
  }

  /// Primitives a tree may define in its header that the prover does not read yet.
  static let unreadPrimitives = ["try_cmpxchg"]

  /// The header's path inside a tree, as reports name it.
  public static let header = "arch/riscv/include/asm/cmpxchg.h"

  /// The line of `#define arch_NAME(` (or `#define NAME(` before the prefix) in the header's text.
  static func definitions(_ text: String) -> [String: SourceLocation] {
    var found: [String: SourceLocation] = [:]
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "(" })
      guard words.count >= 2, words[0] == "#define" else { continue }
      var name = String(words[1])
      if name.hasPrefix("arch_") { name.removeFirst(5) }
      if found[name] == nil { found[name] = SourceLocation(file: header, line: number + 1, column: 1) }
    }
    return found
  }

  public struct Report: Sendable {
    public let root: String
    public let rows: [Row]
    /// Headers the expansion asked for that neither the tree nor rvcheck's stubs provide, taken as empty.
    public let emptyStubs: [String]
    /// The tree's barrier macros it does not define (`__smp_mb`, …): the standard mapping stood in.
    public var standardMapping: [String] = []
    public let seconds: Double
    /// The C litmus tests compiled through the tree, per boot path and XLEN.
    public var suite: [SuiteRow] = []
    /// Primitives the tree's header defines that the prover does not read (`try_cmpxchg`), with
    /// where: the run cannot be called proved while they are unread.
    public var unread: [(name: String, location: SourceLocation)] = []

    /// 0 every provided primitive proved, 1 some obligation fails, 3 some is unknown (none fails).
    public var exitCode: Int32 {
      let verdicts = rows.flatMap { $0.verdicts.map { Array($0.values) } ?? [] } + suite.compactMap(\.verdict)
      if verdicts.contains(where: { if case .failed = $0 { true } else { false } }) { return 1 }
      if rows.contains(where: { $0.unknown != nil }) || !unread.isEmpty
        || verdicts.contains(where: { if case .unknown = $0 { true } else { false } })
      {
        return 3
      }
      return 0
    }
  }

  public struct Failure: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    /// The first `file:line:column: error:` line of the message (the compiler's own form), or the
    /// whole message when it has none.
    var firstError: String {
      message.split(separator: "\n").first { $0.contains(": error: ") }.map { String($0) } ?? message
    }
  }

  public func prove() throws(Failure) -> Report {
    let started = ContinuousClock.now
    let header = (root as NSString).appendingPathComponent("arch/riscv/include/asm/cmpxchg.h")
    guard FileManager.default.fileExists(atPath: header) else {
      throw Failure(message: "\(root): no arch/riscv/include/asm/cmpxchg.h (not a Linux tree?)")
    }
    var rows: [Row] = []
    var emptyStubs: Set<String> = []
    var standardMapping: Set<String> = []
    var suite: [SuiteRow] = []
    let definitions = Self.definitions((try? String(contentsOfFile: header, encoding: .utf8)) ?? "")
    let locksUsed = TreeSpinlocks.used(in: litmusTests.map(\.test))
    for xlen in xlens {
      for path in paths {
        // Which lock the path's boot runs, read once for every test on it.
        let lockChoice = locksUsed ? takesQueuedLock(path, xlen: xlen) : .success(false)
        let expansion: String
        do {
          let stubs: [String]
          (expansion, stubs) = try expand(path, xlen: xlen, takingQueued: (try? lockChoice.get()) ?? false)
          emptyStubs.formUnion(stubs)
        } catch {
          // What cpp cannot expand on this path is unknown there, at the line it names; the other
          // paths are still proved.
          rows += primitives.map {
            Row(primitive: $0, path: path, xlen: xlen, verdicts: nil, absent: nil, unknown: error.firstError)
          }
          continue
        }
        rows += prove(
          expansion, path: path, xlen: xlen, lockChoice: lockChoice, standardMapping: &standardMapping, suite: &suite
        ).map { row in
          var located = row
          located.definition = definitions[row.primitive.name]
          return located
        }
      }
    }
    var report = Report(
      root: root, rows: rows, emptyStubs: emptyStubs.sorted(),
      seconds: Double((ContinuousClock.now - started).components.attoseconds) / 1e18
        + Double((ContinuousClock.now - started).components.seconds))
    report.standardMapping = standardMapping.sorted()
    report.suite = suite
    report.unread = definitions.filter { name, _ in Self.unreadPrimitives.contains { name.hasPrefix($0) } }
      .sorted { $0.value.line < $1.value.line }.map { ($0.key, $0.value) }
    return report
  }

  /// Whether the boot on `path` takes the queued lock, read from the tree's boot code (the lock's
  /// static key); unknown where a combined lock's choice cannot be read.
  func takesQueuedLock(_ path: AtomicsBootPath, xlen: Int) -> Result<Bool, AtomicsUnknown> {
    guard let queued = spinlocks.queued else { return .success(false) }
    guard let boot = queued.boot else {
      let spinlock = (root as NSString).appendingPathComponent("arch/riscv/include/asm/spinlock.h")
      return .failure(
        AtomicsUnknown(
          location: SourceLocation(file: spinlock, line: 1, column: 1),
          reason: "the lock is picked at boot by a static key that no code in arch/riscv/kernel disables"))
    }
    do { return .success(try boot.takesQueued(on: path, xlen: xlen, preprocessor: preprocessor)) } catch {
      return .failure(error)
    }
  }

  /// The translation unit of every primitive on one boot path, expanded by the preprocessor; its
  /// lock the queued one where the path's boot takes it.
  func expand(_ path: AtomicsBootPath, xlen: Int, takingQueued queued: Bool = false) throws(Failure) -> (
    String, [String]
  ) {
    var unit = AtomicsStubs.alternatives(path.extensions)
    unit +=
      "#include <linux/kconfig.h>\n#include <linux/bits.h>\n#include <linux/compiler.h>\n#include <linux/types.h>\n"
    unit += "#include <asm/cmpxchg.h>\n#include <asm/barrier.h>\n#include <asm/atomic.h>\n"
    // The generic layer's `_release` and `_acquire` forms use `smp_store_release()` and
    // `smp_load_acquire()`: the tree's `__smp_*` forms, as `asm-generic/barrier.h` (not read) has it.
    unit += TreeSpinlocks.barrierLines
    // The generic layer, where the tree has it, builds the orderings the architecture leaves out.
    unit += generic.present ? "#include <linux/atomic.h>\n\n" : "\n"
    // The suite's tests call xchg and cmpxchg on int in every ordering, whatever `primitives` asks.
    var wrapped = primitives
    if !litmusTests.isEmpty {
      for operation in AtomicsPrimitive.Operation.exchanges {
        for ordering in AtomicsPrimitive.Ordering.allCases where ordering != .local {
          let word = AtomicsPrimitive(operation, ordering, bytes: 4, signed: true)
          if !wrapped.contains(word) { wrapped.append(word) }
        }
      }
    }
    for primitive in wrapped { unit += primitive.wrapper(atomicPrefix: generic.prefix) }
    // And whatever they call of the atomic_t API, through the tree's definitions.
    for call in SuiteAtomicCall.calls(in: litmusTests.map(\.test)) { unit += call.wrapper(prefix: generic.prefix) }
    if TreeSpinlocks.used(in: litmusTests.map(\.test)) { unit += spinlocks.unitLines(takingQueued: queued) }
    unit += BarrierMapping.wrappers
    // RISC-V is little-endian: a kernel build has `__LITTLE_ENDIAN` from `asm/byteorder.h`.
    var defines = [
      "__riscv": "1", "__riscv_xlen": "\(xlen)", "__KERNEL__": "1", "CONFIG_SMP": "1", "__LITTLE_ENDIAN": "1234",
    ]
    defines[xlen == 64 ? "CONFIG_64BIT" : "CONFIG_32BIT"] = "1"
    // The architecture's Kconfig selects the generic (spinlock) 64-bit atomics on RV32.
    if xlen == 32 { defines["CONFIG_GENERIC_ATOMIC64"] = "1" }
    for option in path.configured { defines[option] = "1" }
    do {
      let expansion = try preprocessor.expand(
        unit, unit: "rvcheck-atomics.c", includes: [(root as NSString).appendingPathComponent("arch/riscv/include")],
        stubs: AtomicsStubs.headers.merging(generic.stubs) { _, tree in tree }.merging(
          spinlocks.stubs(takingQueued: queued)
        ) { _, lock in
          lock
        },
        defines: defines)
      return (expansion.text, expansion.emptyStubs)
    } catch {
      throw Failure(message: "\(root): \(error.message)")
    }
  }

  /// Every primitive's function in an expansion, read and proved.
  func prove(
    _ expansion: String, path: AtomicsBootPath, xlen: Int, lockChoice: Result<Bool, AtomicsUnknown> = .success(false),
    standardMapping: inout Set<String>, suite: inout [SuiteRow]
  ) -> [Row] {
    let file = "cmpxchg.h (\(path.name), RV\(xlen))"
    let tokens: [CToken]
    do {
      // Each token at the tree's file and line it came from. The unit's own lines keep the
      // unit's name, which says the path and XLEN; a stub's are named as rvcheck's.
      tokens = CToken.placed(byLineMarkers: try CTokenizer.tokenize(expansion, file: file)) { path in
        guard !path.hasPrefix("<"), let folder = path.range(of: "/rvcheck-cpp-") else {
          return path.hasPrefix("<") ? file : path
        }
        let inside = path[folder.upperBound...].split(separator: "/", maxSplits: 2)
        return inside.count == 3 ? "rvcheck's stub \(inside[2])" : file
      }.filter { $0.kind != .preprocessor }
    } catch {
      return primitives.map {
        Row(primitive: $0, path: path, xlen: xlen, verdicts: nil, absent: nil, unknown: "\(error)")
      }
    }
    let unit = ExpandedUnit(tokens: tokens, file: file, xlen: xlen, atomicPrefix: generic.prefix)
    standardMapping.formUnion(unit.barriers.missing)
    // Each primitive has a Z3 context of its own: they are proved side by side.
    let rows = ConcurrentResults<Row>(count: primitives.count)
    DispatchQueue.concurrentPerform(iterations: primitives.count) { index in
      rows.set(index, prove(primitives[index], unit: unit, path: path, xlen: xlen))
    }
    if !litmusTests.isEmpty { suite += proveSuite(unit: unit, path: path, xlen: xlen, lockChoice: lockChoice) }
    return rows.values
  }

  private func prove(_ primitive: AtomicsPrimitive, unit: ExpandedUnit, path: AtomicsBootPath, xlen: Int) -> Row {
    if unit.isAbsent(primitive) {
      return Row(
        primitive: primitive, path: path, xlen: xlen, verdicts: nil, absent: "the tree defines no \(primitive.name)",
        unknown: nil)
    }
    do {
      guard let body = try unit.body(of: primitive) else {
        return Row(
          primitive: primitive, path: path, xlen: xlen, verdicts: nil, absent: nil,
          unknown: "\(unit.file): the expansion has no \(primitive.functionName)")
      }
      return try prove(primitive, body: body, unit: unit, path: path, xlen: xlen)
    } catch let unknown as AtomicsUnknown {
      if unknown.unavailable {
        return Row(
          primitive: primitive, path: path, xlen: xlen, verdicts: nil,
          absent: "\(unknown.reason) at this size (\(unknown.location))", unknown: nil)
      }
      return Row(primitive: primitive, path: path, xlen: xlen, verdicts: nil, absent: nil, unknown: "\(unknown)")
    } catch let syntax as CSyntaxError {
      return Row(
        primitive: primitive, path: path, xlen: xlen, verdicts: nil, absent: nil,
        unknown: "\(syntax.location): \(syntax.reason)")
    } catch {
      return Row(primitive: primitive, path: path, xlen: xlen, verdicts: nil, absent: nil, unknown: "\(error)")
    }
  }

  /// Proves `primitive` with its object at every aligned offset within one doubleword. Only the
  /// offset of an address reaches the code (masks, shifts, alignment); the rest passes through, so
  /// one doubleword of writable memory stands for all. Its eight bytes are free; memory elsewhere
  /// holds zeros, and any write there fails `neighbours-kept`.
  func prove(
    _ primitive: AtomicsPrimitive, body: [CStatement], unit: ExpandedUnit, path: AtomicsBootPath, xlen: Int
  ) throws -> Row {
    let file = unit.file
    let isa = try ISAString(parsing: path.isa(xlen: xlen))
    let configuration = MachineConfiguration(isa: isa, profile: .permissive)
    guard let region = configuration.memoryMap.regions.first(where: { $0.access == .readWrite }), region.size >= 128
    else {
      throw AtomicsUnknown(location: SourceLocation(file: file, line: 1, column: 1), reason: "no writable memory")
    }
    var verdicts: [Obligation: Verdict] = [:]
    for obligation in Obligation.functional { verdicts[obligation] = .proved }
    let doubleword = region.base + 64
    let z3 = Z3Context()
    for offset in stride(from: 0, to: 8, by: min(primitive.bytes, 8)) where offset % primitive.bytes == 0 {
      try prove(
        primitive, body: body, path: path, configuration: configuration, doubleword: doubleword,
        address: doubleword + UInt64(offset), file: file, z3: z3, unit: unit, into: &verdicts)
    }
    // An operation without a result (atomic_add, atomic_set) has no value to check.
    if !primitive.operation.returnsValue { verdicts[.returnsOld] = nil }
    if checksOrdering(primitive, xlen: xlen) {
      for (shape, verdict) in try ordering(
        primitive, body: body, unit: unit, path: path, xlen: xlen)
      {
        verdicts[shape] = verdict
      }
    }
    return Row(primitive: primitive, path: path, xlen: xlen, verdicts: verdicts, absent: nil, unknown: nil)
  }

  private func prove(
    _ primitive: AtomicsPrimitive, body: [CStatement], path: AtomicsBootPath, configuration: MachineConfiguration,
    doubleword: UInt64, address: UInt64, file: String, z3: Z3Context, unit: ExpandedUnit,
    into verdicts: inout [Obligation: Verdict]
  ) throws {
    let xlen = configuration.isa.xlen
    let type = primitive.type
    let width = 8 * primitive.bytes
    // An atomic.h operation takes a pointer to the atomic_t (or atomic64_t) holding the counter.
    var objectType = type
    if primitive.operation.isAtomicType {
      guard let record = unit.records[primitive.typeName] else {
        throw AtomicsUnknown(
          location: SourceLocation(file: file, line: 1, column: 1), reason: "no definition of \(primitive.typeName)")
      }
      objectType = .record(record)
    }
    let pointer = CValue(type: .pointer(objectType), bits: BitVec(address, width: xlen))
    let tag = "at\(address & 7)."
    let old = CValue(type: type, bits: z3.bvVariable(tag + "o", width: width))
    let new = CValue(type: type, bits: z3.bvVariable(tag + "n", width: width))
    var initialMemory = ByteMemory.constant(0, addressWidth: xlen, in: z3)
    var initialBytes: [BitVec] = []
    // The object's aligned doubleword, or the object itself when it is wider (16 bytes).
    let span = UInt64(max(8, primitive.bytes))
    for index in 0..<span {
      let byte = z3.bvVariable(tag + "mem\(index)", width: 8)
      initialBytes.append(byte)
      initialMemory.writeByte(BitVec(doubleword + index, width: xlen), byte)
    }
    var locals = ["p": pointer]
    if primitive.operation.takesNew { locals["n"] = new }
    if primitive.operation.takesOld { locals["o"] = old }
    let start = PrimitiveEvaluator.World(
      locals: locals, memory: initialMemory,
      reservation: Reservation(
        valid: z3.boolVariable(tag + "reserved"), address: z3.bvVariable(tag + "reservedAt", width: xlen)),
      condition: z3.trueFormula, trapped: z3.falseFormula)
    var evaluator = PrimitiveEvaluator(z3: z3, configuration: configuration, extensions: path.extensions, file: file)
    evaluator.namePrefix = tag
    evaluator.records = unit.records
    evaluator.functions = unit.functions
    if primitive.operation.isAtomicType { evaluator.primitiveFunction = unit.atomicPrefix + primitive.name }
    let worlds = try evaluator.run(body, [start])

    let at = BitVec(address, width: xlen)
    let before = initialMemory.load(at, bytes: primitive.bytes)
    let inside = doubleword..<(doubleword + span)
    let object = address..<(address + UInt64(primitive.bytes))
    for world in worlds {
      guard let returned = world.returned else {
        throw AtomicsUnknown(location: SourceLocation(file: file, line: 1, column: 1), reason: "no value returned")
      }
      let result = returned.converted(to: type, xlen: xlen).bits
      let after = world.memory.load(at, bytes: primitive.bytes)
      let (expected, promised) = Self.effect(of: primitive.operation, before: before, old: old.bits, new: new.bits)
      var kept: [Formula] = []
      for byte in inside where !object.contains(byte) {
        kept.append(world.memory.loadByte(BitVec(byte, width: xlen)) == initialBytes[Int(byte - doubleword)])
      }
      // A write outside the doubleword: to memory that holds zeros, so only a nonzero byte shows.
      var outside: [UInt64] = []
      for write in world.memory.writes {
        guard let numeral = write.numeral else {
          throw AtomicsUnknown(
            location: SourceLocation(file: file, line: 1, column: 1), reason: "a store to an address that is not fixed")
        }
        if !inside.contains(numeral) {
          outside.append(numeral)
          kept.append(world.memory.loadByte(BitVec(numeral, width: xlen)) == BitVec(0, width: 8))
        }
      }
      let claims: [Obligation: Formula] = [
        .returnsOld: promised.map { result == $0 } ?? z3.trueFormula,
        .memoryUpdate: after == expected,
        .neighboursKept: z3.all(kept),
        .noTrap: !world.trapped,
      ]
      let open = Obligation.functional.filter { verdicts[$0] == .proved && claims[$0]?.simplified.isTrue != true }
      if open.isEmpty { continue }
      let solver = Solver(context: z3, logic: "QF_BV", timeoutMilliseconds: timeoutMilliseconds)
      solver.assert(world.condition)
      for constraint in world.constraints { solver.assert(constraint) }
      // All at once first: the usual answer is that none can fail.
      if case .unsat = try solver.check(assuming: [!z3.all(open.compactMap { claims[$0] })]) { continue }
      for obligation in open {
        guard let claim = claims[obligation] else { continue }
        switch try solver.check(assuming: [!claim]) {
        case .unsat: break
        case .unknown(let reason): verdicts[obligation] = .unknown("the solver gave up: \(reason)")
        case .sat(let model):
          func show(_ term: BitVec) -> String { model.value(term).map { "0x" + String($0, radix: 16) } ?? "?" }
          let window = BitVec(doubleword, width: xlen)
          var lines = [
            "\(primitive.name) on a \(primitive.typeName) at p = 0x\(String(address, radix: 16))"
              + (primitive.operation.takesOld ? ", old = \(show(old.bits))" : "") + ", new = \(show(new.bits))",
            "memory before: \(show(before)); returned \(show(result)); memory after: \(show(after))",
            "doubleword before: \(show(initialMemory.load(window, bytes: Int(span)))), after: \(show(world.memory.load(window, bytes: Int(span))))",
          ]
          if !outside.isEmpty {
            lines.append(
              "written outside the doubleword: "
                + Set(outside).sorted().map { "0x" + String($0, radix: 16) }.joined(separator: ", "))
          }
          if world.cutPaths > 0 { lines.append("(\(world.cutPaths) paths still retrying after the step bound)") }
          lines += world.trace
          verdicts[obligation] = .failed(lines.joined(separator: "\n"))
        }
      }
    }
  }
}

extension AtomicsProver {
  /// What `operation` leaves in memory, and what it returns (nil: nothing to check), given what
  /// memory held, the expected value `old` and the operand or new value `new`.
  static func effect(of operation: AtomicsPrimitive.Operation, before: BitVec, old: BitVec, new: BitVec) -> (
    memory: BitVec, returned: BitVec?
  ) {
    switch operation {
    case .xchg, .atomicXchg: (new, before)
    case .cmpxchg, .atomicCmpxchg: ((before == old).ite(new, before), before)
    case .atomicRead: (before, before)
    case .atomicSet: (new, nil)
    case .atomicAdd: (before + new, nil)
    case .atomicSub: (before - new, nil)
    case .atomicAnd: (before & new, nil)
    case .atomicOr: (before | new, nil)
    case .atomicXor: (before ^ new, nil)
    case .atomicFetchAdd: (before + new, before)
    case .atomicFetchSub: (before - new, before)
    case .atomicFetchAnd: (before & new, before)
    case .atomicFetchOr: (before | new, before)
    case .atomicFetchXor: (before ^ new, before)
    case .atomicAddReturn: (before + new, before + new)
    case .atomicSubReturn: (before - new, before - new)
    // Adds `new` unless memory holds `old`; returns what it held.
    case .atomicFetchAddUnless: ((before == old).ite(before, before + new), before)
    }
  }
}

/// Results filled in by concurrent workers, one slot each.
final class ConcurrentResults<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var slots: [Value?]

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ value: Value) {
    lock.lock()
    defer { lock.unlock() }
    slots[index] = value
  }

  var values: [Value] {
    lock.lock()
    defer { lock.unlock() }
    return slots.compactMap { $0 }
  }
}
