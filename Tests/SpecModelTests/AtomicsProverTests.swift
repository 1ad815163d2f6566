import Foundation
import Testing

@testable import SpecModel

/// The atomics prover on the project's era fixtures, and on mutants of them: each mutant breaks one
/// obligation, and the prover must name that one with a counterexample that shows it.
@Suite struct AtomicsProverTests {
  static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("corpus/atomics")

  /// A copy of era fixture `era`; removed by the caller.
  func copy(_ era: String) throws -> URL {
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-atomics-\(UUID().uuidString)")
    try FileManager.default.copyItem(at: Self.corpus.appendingPathComponent(era), to: copy)
    return copy
  }

  /// A copy of era fixture `era` with `change` applied to one of its headers (cmpxchg.h unless
  /// said); removed by the caller.
  func mutant(_ era: String, header name: String = "cmpxchg.h", _ change: (String) -> String) throws -> URL {
    let copy = try copy(era)
    try rewrite(copy, header: name, change)
    return copy
  }

  /// Applies `change` to one of the port's headers in the tree at `root`, in place.
  func rewrite(_ root: URL, header name: String, _ change: (String) -> String) throws {
    let header = root.appendingPathComponent("arch/riscv/include/asm/" + name)
    let text = try String(contentsOf: header, encoding: .utf8)
    let changed = change(text)
    #expect(changed != text, "the mutation changed nothing")
    try Data(changed.utf8).write(to: header)
  }

  /// `shapes`: the ordering shapes a test looks at (nil: every one).
  func prove(
    _ root: URL, paths: [String], xlen: Int = 64, shapes: Set<AtomicsProver.Obligation>? = nil,
    _ filter: (AtomicsPrimitive) -> Bool
  ) throws -> AtomicsProver.Report {
    var prover = AtomicsProver(root: root.path)
    prover.xlens = [xlen]
    prover.paths = AtomicsBootPath.all.filter { paths.contains($0.name) }
    prover.primitives = AtomicsPrimitive.all.filter(filter)
    prover.shapes = shapes
    return try prover.prove()
  }

  /// The one failed obligation of the report's rows, with its counterexample.
  func failures(_ report: AtomicsProver.Report) -> [(AtomicsProver.Obligation, String)] {
    report.rows.flatMap { row in
      (row.verdicts ?? [:]).compactMap { obligation, verdict in
        if case .failed(let text) = verdict { return (obligation, text) }
        return nil
      }
    }
  }

  // MARK: The eras prove

  @Test(arguments: ["era-aqrl-lrsc", "era-fenced-lrsc", "era-zacas-zabha", "era-mainline"])
  func eraProves(era: String) throws {
    let report = try prove(
      Self.corpus.appendingPathComponent(era), paths: ["lr-sc", "zabha-zacas"]
    ) { $0.ordering == .full || $0.ordering == .acquire }
    let checked = report.rows.filter { $0.verdicts != nil }
    #expect(!checked.isEmpty)
    for row in report.rows { #expect(row.unknown == nil, "\(row.primitive): \(row.unknown ?? "")") }
    #expect(failures(report).isEmpty, "\(failures(report).map(\.1))")
    #expect(report.exitCode == 0)
  }

  @Test func zacasEraProvidesEverySizeOnEveryPath() throws {
    let report = try prove(
      Self.corpus.appendingPathComponent("era-zacas-zabha"), paths: ["lr-sc", "zabha", "zacas", "zabha-zacas"]
    ) { $0.ordering == .relaxed && !$0.signed }
    // Four sizes of two operations on four paths, all checked.
    #expect(report.rows.filter { $0.verdicts != nil }.count == 32)
    #expect(report.exitCode == 0)
  }

  @Test func localFormsGetTheFunctionalObligationsOnly() throws {
    let report = try prove(Self.corpus.appendingPathComponent("era-zacas-zabha"), paths: ["lr-sc"]) {
      $0.ordering == .local && $0.operation == .cmpxchg && !$0.signed && $0.bytes <= 8
    }
    #expect(report.rows.count == 4 && report.rows.allSatisfy { $0.verdicts != nil })
    for row in report.rows {
      #expect(Set(row.verdicts?.keys.map { $0 } ?? []) == Set(AtomicsProver.Obligation.functional))
    }
    // A tree that defines no _local form does not provide it.
    let fenced = try prove(Self.corpus.appendingPathComponent("era-fenced-lrsc"), paths: ["lr-sc"]) {
      $0.ordering == .local && $0.operation == .cmpxchg && $0.bytes == 4 && !$0.signed
    }
    #expect(fenced.rows.first?.absent?.contains("defines no cmpxchg_local") == true)
  }

  @Test func cmpxchg128ProvesWhereZacasIsAndIsNotProvidedElsewhere() throws {
    let report = try prove(
      Self.corpus.appendingPathComponent("era-mainline"), paths: ["lr-sc", "zacas", "zabha-zacas"]
    ) { $0.bytes == 16 }
    #expect(report.rows.count == 6)
    for row in report.rows where row.path.name == "lr-sc" {
      #expect(row.absent?.contains("system_has_cmpxchg128() is false") == true, "\(row.absent ?? "")")
    }
    let proved = report.rows.filter { $0.path.name != "lr-sc" }
    #expect(proved.count == 4 && proved.allSatisfy { $0.verdicts?.values.allSatisfy { $0 == .proved } == true })
    // The functional obligations only: no ordering model has a 128-bit access.
    #expect(proved.allSatisfy { Set($0.verdicts?.keys.map { $0 } ?? []) == Set(AtomicsProver.Obligation.functional) })
    // RV32 has none.
    let rv32 = try prove(Self.corpus.appendingPathComponent("era-mainline"), paths: ["zacas"], xlen: 32) {
      $0.bytes == 16
    }
    #expect(rv32.rows.allSatisfy { $0.verdicts == nil && $0.unknown == nil })
  }

  @Test func cmpxchg128WithItsHalvesCrossedFails() throws {
    // The swap value's halves in each other's registers: memory takes the halves swapped.
    let crossed = try mutant("era-mainline") {
      $0.replacingOccurrences(of: "asm (\"t1\") = __swap.lo;", with: "asm (\"t1\") = __swap.hi;")
        .replacingOccurrences(of: "asm (\"t2\") = __swap.hi;", with: "asm (\"t2\") = __swap.lo;")
    }
    defer { try? FileManager.default.removeItem(at: crossed) }
    let report = try prove(crossed, paths: ["zacas"]) { $0.name == "cmpxchg128" }
    let found = failures(report)
    #expect(found.map(\.0) == [.memoryUpdate], "\(found.map(\.0))")
    #expect(found.first?.1.contains("amocas.q.aqrl t3, t1, (a0)") == true, "\(found.first?.1 ?? "")")
    // The old value put together high half low: what is returned is not what memory held.
    let backwards = try mutant("era-mainline") {
      $0.replacingOccurrences(
        of: "((u128)__cmp_hi << 64) | __cmp_lo;", with: "((u128)__cmp_lo << 64) | __cmp_hi;")
    }
    defer { try? FileManager.default.removeItem(at: backwards) }
    let returned = try prove(backwards, paths: ["zacas"]) { $0.name == "cmpxchg128" }
    #expect(failures(returned).map(\.0) == [.returnsOld], "\(failures(returned).map(\.0))")
  }

  @Test func atomicOperationsProveOnTheirCounter() throws {
    let report = try prove(Self.corpus.appendingPathComponent("era-mainline"), paths: ["lr-sc"]) {
      $0.operation.isAtomicType
    }
    let checked = report.rows.filter { $0.verdicts != nil }
    // The fixture gives atomic64_t no xchg, cmpxchg or fetch_add_unless: those are not provided.
    let absent = report.rows.filter { $0.verdicts == nil }
    #expect(checked.count + absent.count == AtomicsPrimitive.atomicTypeOperations.count && absent.count == 9)
    #expect(absent.allSatisfy { $0.primitive.bytes == 8 && $0.unknown == nil && $0.absent != nil })
    #expect(failures(report).isEmpty && report.exitCode == 0, "\(failures(report).map(\.1))")
    // No result, nothing to check of it; and no ordering shapes for the operations without one.
    let add = try #require(checked.first { $0.primitive.name == "atomic_add" })
    #expect(add.verdicts?[.returnsOld] == nil && add.verdicts?[.memoryUpdate] == .proved)
    #expect(
      checked.filter { !$0.primitive.operation.orderingShapes }.allSatisfy { $0.verdicts?[.storeBuffering] == nil })
    // On RV32 there is no atomic64_t: not provided, not unknown.
    let rv32 = try prove(Self.corpus.appendingPathComponent("era-mainline"), paths: ["lr-sc"], xlen: 32) {
      $0.name.hasPrefix("atomic64")
    }
    // Those the generic 64-bit atomics define are theirs (a spinlock, not read); the orderings they
    // leave out are defined by no one.
    #expect(rv32.rows.allSatisfy { $0.verdicts == nil && $0.unknown == nil && $0.absent != nil })
    #expect(
      rv32.rows.first { $0.primitive.name == "atomic64_fetch_add" }?.absent?.contains("generic 64-bit atomics") == true)
    #expect(
      rv32.rows.first { $0.primitive.name == "atomic64_fetch_add_relaxed" }?.absent?.contains(
        "defines no arch_atomic64_fetch_add_relaxed") == true)
    // A tree without atomic.h provides none of them.
    let older = try prove(Self.corpus.appendingPathComponent("era-fenced-lrsc"), paths: ["lr-sc"]) {
      $0.name == "atomic_fetch_add"
    }
    #expect(older.rows.first?.absent != nil && older.rows.first?.unknown == nil)
  }

  @Test func atomicOperationsTakeTheShapes() throws {
    let proved = try prove(Self.corpus.appendingPathComponent("era-mainline"), paths: ["zacas"]) {
      $0.operation.orderingShapes && $0.bytes == 4
    }
    let full = try #require(proved.rows.first { $0.primitive.name == "atomic_fetch_add" })
    #expect(full.verdicts?[.storeBuffering] == .proved && full.verdicts?[.messagePassingReader] == .proved)
    #expect(
      proved.rows.first { $0.primitive.name == "atomic_fetch_add_relaxed" }?.verdicts?[.storeBuffering] == .allowed)
    #expect(failures(proved).isEmpty, "\(failures(proved).map(\.0))")
    // A fully ordered atomic_fetch_add whose AMO lost its .aqrl: store buffering gets through.
    let relaxed = try mutant("era-mainline", header: "atomic.h") {
      $0.replacingOccurrences(
        of: "ATOMIC_FETCH_OP(op, asm_op, I, asm_type, c_type, prefix, , \".aqrl\")",
        with: "ATOMIC_FETCH_OP(op, asm_op, I, asm_type, c_type, prefix, , \"\")")
    }
    defer { try? FileManager.default.removeItem(at: relaxed) }
    let report = try prove(relaxed, paths: ["zacas"]) {
      $0.name == "atomic_fetch_add" || $0.name == "atomic_add_return"
    }
    for row in report.rows {
      let sb = row.verdicts?[.storeBuffering]
      #expect(
        sb.map { if case .failed = $0 { true } else { false } } == true,
        "\(row.primitive.name): \(String(describing: sb))")
    }
    let text = failures(report).first { $0.0 == .storeBuffering }?.1 ?? ""
    #expect(text.contains("amoadd.w ") && text.contains("atomic_fetch_add"), "\(text)")
    // fetch_xor takes any value to any other; fetch_or sets the shapes' flags; fetch_and takes the
    // shapes with their values relabelled (7 → 3 → 1). Each is held to the shapes; relaxed it lets
    // them through, so they are not vacuous; and a relaxed AMO under the fully ordered name fails
    // store buffering.
    for (name, amo, seen) in [
      ("atomic_fetch_xor", "amoxor.w ", "SB+atomic_fetch_xor"), ("atomic_fetch_or", "amoor.w ", "SB+atomic_fetch_or"),
      ("atomic_fetch_and", "amoand.w ", "x=7; y=7; z=7;"),
    ] {
      let full = try #require(proved.rows.first { $0.primitive.name == name })
      for obligation in [AtomicsProver.Obligation.storeBuffering, .messagePassingReader, .messagePassingWriter, .isa2] {
        #expect(full.verdicts?[obligation] == .proved, "\(name) \(obligation)")
      }
      let loose = proved.rows.first { $0.primitive.name == name + "_relaxed" }
      #expect(loose?.verdicts?[.storeBuffering] == .allowed && loose?.verdicts?[.messagePassingWriter] == .allowed)
      let broken = try prove(relaxed, paths: ["zacas"]) { $0.name == name }
      let text = failures(broken).first { $0.0 == .storeBuffering }?.1 ?? ""
      #expect(text.contains(amo) && text.contains(seen), "\(name): \(text)")
    }
  }

  @Test func clearingBitsRelabelsEveryValueOfAShape() {
    // 0 → 7, 1 → 3, 2 → 1: each step a shape's primitive takes is an and, and the values stay apart.
    let shape = OrderingShape.all.first { $0.name == "MP-reader" }!.clearingBits
    let text = shape.cTest(AtomicsPrimitive(.atomicFetchAnd, .full, bytes: 4, signed: true))
    #expect(text.contains("int y = 7;") && text.contains("atomic_fetch_and(1, y)"), "\(text)")
    #expect(text.contains("WRITE_ONCE(*x, 3);") && text.contains("exists (1:r1_0=3 /\\ 1:r1_1=7)"), "\(text)")
  }

  @Test func fetchAddUnlessIsHeldToTheShapesWhenItAdds() throws {
    let proved = try prove(Self.corpus.appendingPathComponent("era-mainline"), paths: ["lr-sc"]) {
      $0.name == "atomic_fetch_add_unless"
    }
    let row = try #require(proved.rows.first)
    #expect(row.verdicts?[.storeBuffering] == .proved && row.verdicts?[.messagePassingReader] == .proved)
    #expect(failures(proved).isEmpty, "\(failures(proved).map(\.0))")
    // Its store-conditional only .rl and no fence after: a later read passes the add.
    let released = try mutant("era-mainline", header: "atomic.h") {
      $0.replacingOccurrences(
        of: "\"\tsc.w.aqrl  %[rc], %[rc], %[c]\\n\"", with: "\"\tsc.w.rl  %[rc], %[rc], %[c]\\n\"")
    }
    defer { try? FileManager.default.removeItem(at: released) }
    let report = try prove(released, paths: ["lr-sc"]) { $0.name == "atomic_fetch_add_unless" }
    let failed = failures(report)
    #expect(failed.contains { $0.0 == .storeBuffering }, "\(failed.map(\.0))")
    #expect(failed.first { $0.0 == .storeBuffering }?.1.contains("sc.w.rl") == true)
    #expect(!failed.contains { AtomicsProver.Obligation.functional.contains($0.0) })
  }

  @Test func atomicOperationMutantsFailTheirObligation() throws {
    // atomic_sub that adds its operand: memory-update fails, and what sub_return returns with it.
    let adds = try mutant("era-mainline", header: "atomic.h") {
      $0.replacingOccurrences(of: "ATOMIC_OPS(sub, add, +, -i)", with: "ATOMIC_OPS(sub, add, +, i)")
    }
    defer { try? FileManager.default.removeItem(at: adds) }
    let sub = try prove(adds, paths: ["zacas"]) { $0.name == "atomic_fetch_sub" || $0.name == "atomic_sub_return" }
    #expect(Set(failures(sub).map(\.0)) == [.memoryUpdate, .returnsOld], "\(failures(sub).map(\.0))")
    #expect(failures(sub).first { $0.0 == .memoryUpdate }?.1.contains("amoadd.w.aqrl") == true)
    // atomic_set that stores one more, and atomic_read that reads one more: each fails its own.
    let offByOne = try mutant("era-mainline", header: "atomic.h") {
      $0.replacingOccurrences(
        of: "\tWRITE_ONCE(v->counter, i);\n}\n\n#ifndef CONFIG_GENERIC_ATOMIC64",
        with: "\tWRITE_ONCE(v->counter, i + 1);\n}\n\n#ifndef CONFIG_GENERIC_ATOMIC64"
      )
      .replacingOccurrences(
        of: "\treturn READ_ONCE(v->counter);\n}\n\nstatic __always_inline void arch_atomic_set(",
        with: "\treturn READ_ONCE(v->counter) + 1;\n}\n\nstatic __always_inline void arch_atomic_set(")
    }
    defer { try? FileManager.default.removeItem(at: offByOne) }
    let plain = try prove(offByOne, paths: ["zacas"]) { $0.name == "atomic_set" || $0.name == "atomic_read" }
    #expect(plain.rows.count == 2 && failures(plain).count == 2, "\(failures(plain).map(\.0))")
    for row in plain.rows {
      let broken: AtomicsProver.Obligation = row.primitive.name == "atomic_set" ? .memoryUpdate : .returnsOld
      #expect(
        row.verdicts?[broken].map { if case .failed = $0 { true } else { false } } == true, "\(row.primitive.name)")
    }
    // fetch_add_unless comparing an int that went in unextended with what lr.w sign-extends.
    let unextended = try mutant("era-mainline", header: "atomic.h") {
      $0.replacingOccurrences(of: "[u]\"r\" ((long)u)", with: "[u]\"r\" (u)")
    }
    defer { try? FileManager.default.removeItem(at: unextended) }
    let unless = try prove(unextended, paths: ["zacas"]) { $0.name == "atomic_fetch_add_unless" }
    #expect(failures(unless).map(\.0) == [.memoryUpdate], "\(failures(unless).map(\.0))")
  }

  // MARK: Each mutant fails its obligation

  // A functional mutant is proved without the ordering shapes: they are the next section's.

  @Test func compareValueExtendedTheWrongWayFailsTheUpdate() throws {
    let root = try mutant("era-zacas-zabha") {
      $0.replacingOccurrences(of: "(long)(int)(long), __old", with: "(long), __old")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["lr-sc"], shapes: []) {
      $0.operation == .cmpxchg && $0.ordering == .relaxed && $0.bytes == 4
    }
    let found = failures(report)
    // Only the unsigned 32-bit form breaks: zero-extended, it never equals what lr.w sign-extends.
    #expect(found.map(\.0) == [.memoryUpdate], "\(found)")
    #expect(found.first?.1.contains("cmpxchg_relaxed on a u32") == true)
    #expect(found.first?.1.contains("lr.w") == true)
    #expect(report.exitCode == 1)
    // RV32 has no upper half to get wrong.
    #expect(
      try prove(root, paths: ["lr-sc"], xlen: 32, shapes: []) { $0.operation == .cmpxchg && $0.bytes == 4 }.exitCode
        == 0)
  }

  @Test func loopThatGivesUpAfterASpuriousFailureFailsTheUpdate() throws {
    let root = try mutant("era-fenced-lrsc") { text in
      text.replacingOccurrences(of: "\t\t\"\tbnez %1, 0b\\n\"\t\t\t\t\t\\\n", with: "")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["lr-sc"], shapes: []) {
      $0.operation == .cmpxchg && $0.ordering == .full && !$0.signed
    }
    let found = failures(report)
    // The update fails; so does store buffering, whose outcome a write that never happened changes.
    #expect(Set(found.map(\.0)).isSuperset(of: [.memoryUpdate]), "\(found)")
    #expect(!found.contains { $0.0 == .returnsOld || $0.0 == .neighboursKept })
    #expect(found.first?.1.contains("sc.") == true)
  }

  @Test func maskedLoopThatClobbersTheNeighbourFailsNeighboursKept() throws {
    // The loop keeps the object's bits instead of its neighbours' before it adds the new value.
    let root = try mutant("era-zacas-zabha") {
      $0.replacingOccurrences(of: "\"\tand  %1, %0, %z6\\n\"", with: "\"\tand  %1, %0, %z5\\n\"")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["lr-sc"], shapes: []) {
      $0.operation == .cmpxchg && $0.ordering == .relaxed && $0.bytes == 1
    }
    let found = failures(report)
    #expect(found.contains { $0.0 == .neighboursKept }, "\(found)")
    #expect(found.first { $0.0 == .neighboursKept }?.1.contains("doubleword before") == true)
  }

  @Test func negativeNarrowValueSpillingIntoItsNeighbours() throws {
    // The kernel-shaped masked xchg without the mask after the shift: an s8/s16 that is negative
    // sets every bit above it.
    let root = try mutant("era-zacas-zabha") {
      $0.replacingOccurrences(
        of: "ulong __newx = ((ulong)(n) << __shift) & __mask;", with: "ulong __newx = (ulong)(n) << __shift;")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let unsigned = try prove(root, paths: ["lr-sc"], shapes: []) {
      $0.ordering == .relaxed && $0.bytes == 2 && !$0.signed
    }
    #expect(unsigned.exitCode == 0)
    let signed = try prove(root, paths: ["lr-sc"], shapes: []) { $0.ordering == .relaxed && $0.bytes == 2 && $0.signed }
    #expect(failures(signed).contains { $0.0 == .neighboursKept }, "\(failures(signed))")
    // With Zabha the masked loop is not used, and the same primitive proves.
    let zabha = try prove(root, paths: ["zabha-zacas"], shapes: []) {
      $0.ordering == .relaxed && $0.bytes == 2 && $0.signed
    }
    #expect(zabha.exitCode == 0)
  }

  @Test func amocasWithoutItsCompareValueFailsTheUpdate() throws {
    let root = try mutant("era-zacas-zabha") { text in
      // Both amocas paths lose the `r = o;` that puts the compare value in rd.
      text.replacingOccurrences(of: "\t\tr = o;\t\t\t\t\t\t\t\\\n", with: "")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["zacas"], shapes: []) {
      $0.operation == .cmpxchg && $0.ordering == .full && $0.bytes == 8
    }
    let found = failures(report)
    #expect(found.contains { $0.0 == .memoryUpdate }, "\(found)")
    #expect(found.first?.1.contains("amocas.d.aqrl") == true)
  }

  @Test func swappedSizesFailReturnsOld() throws {
    let root = try mutant("era-fenced-lrsc") { text in
      text.replacingOccurrences(of: "__arch_xchg(\".w\" sfx", with: "__arch_xchg(\".d\" sfx")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["lr-sc"], shapes: []) {
      $0.operation == .xchg && $0.ordering == .relaxed && $0.bytes == 4
    }
    let found = Set(failures(report).map(\.0))
    #expect(found.contains(.returnsOld) || found.contains(.neighboursKept), "\(found)")
  }

  @Test func aWordThroughDoublewordInstructionsTraps() throws {
    // lr.d/sc.d on a u32: at offset 4 of its doubleword it is misaligned.
    let root = try mutant("era-fenced-lrsc") {
      $0.replacingOccurrences(of: "__arch_cmpxchg(\".w\", \".w\" sc_sfx", with: "__arch_cmpxchg(\".d\", \".d\" sc_sfx")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["lr-sc"], shapes: []) {
      $0.name == "cmpxchg_relaxed" && $0.bytes == 4 && !$0.signed
    }
    let trap = try #require(failures(report).first { $0.0 == .noTrap })
    #expect(trap.1.contains("at p = 0x80010044") && trap.1.contains("lr.d"), "\(trap.1)")
  }

  @Test func returningTheNewValueFailsReturnsOldAlone() throws {
    let root = try mutant("era-fenced-lrsc") {
      $0.replacingOccurrences(
        of: "\t(__typeof__(*(__ptr)))__ret;\t\t\t\t\t\\\n})\n\n#define arch_xchg_relaxed",
        with: "\t(__typeof__(*(__ptr)))__new;\t\t\t\t\t\\\n})\n\n#define arch_xchg_relaxed")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["lr-sc"], shapes: []) { $0.name == "xchg_relaxed" && $0.bytes == 8 }
    #expect(report.rows.count == 2)
    #expect(failures(report).map(\.0) == [.returnsOld, .returnsOld], "\(failures(report).map(\.0))")
  }

  @Test func aMaskedLoopOnTheNextWordWritesOutsideTheDoubleword() throws {
    let root = try mutant("era-zacas-zabha") {
      $0.replacingOccurrences(
        of: "#define __narrow_word(p)\t((u32 *)((ulong)(p) & ~0x3))",
        with: "#define __narrow_word(p)\t((u32 *)(((ulong)(p) & ~0x3) + 8))")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["lr-sc"], shapes: []) {
      $0.name == "cmpxchg_relaxed" && $0.bytes == 1 && !$0.signed
    }
    let outside = try #require(failures(report).first { $0.0 == .neighboursKept })
    #expect(outside.1.contains("written outside the doubleword: 0x80010048,"), "\(outside.1)")
  }

  // MARK: Ordering

  @Test func orderingFollowsTheLKMMForEachOrdering() throws {
    let report = try prove(Self.corpus.appendingPathComponent("era-fenced-lrsc"), paths: ["lr-sc"]) {
      $0.operation == .cmpxchg && $0.bytes == 4 && !$0.signed
    }
    func verdicts(_ ordering: AtomicsPrimitive.Ordering) -> [AtomicsProver.Verdict?] {
      let row = report.rows.first { $0.primitive.ordering == ordering }
      return [.messagePassingWriter, .messagePassingReader, .storeBuffering].map { row?.verdicts?[$0] }
    }
    // What the LKMM forbids is proved kept out; what it allows is not asked of the mapping.
    #expect(verdicts(.relaxed) == [.allowed, .allowed, .allowed])
    #expect(verdicts(.acquire) == [.allowed, .proved, .allowed])
    #expect(verdicts(.release) == [.proved, .allowed, .allowed])
    #expect(verdicts(.full) == [.proved, .proved, .proved])
  }

  @Test func acquireWithoutItsBarrierFailsMessagePassing() throws {
    let root = try mutant("era-fenced-lrsc") {
      $0.replacingOccurrences(
        of: "_arch_cmpxchg((ptr), (o), (n), \"\", \"\", RISCV_ACQUIRE_BARRIER)",
        with: "_arch_cmpxchg((ptr), (o), (n), \"\", \"\", \"\")")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["lr-sc"]) { $0.name == "cmpxchg_acquire" && $0.bytes == 4 && !$0.signed }
    let found = failures(report)
    #expect(found.map(\.0) == [.messagePassingReader], "\(found.map(\.0))")
    // The counterexample is the compiled test with an execution that reaches its outcome.
    #expect(found.first?.1.contains("RISCV MP-reader+cmpxchg_acquire") == true)
    #expect(found.first?.1.contains("lr.w a0,(a2)") == true)
    #expect(found.first?.1.contains("rf ") == true)
  }

  @Test func fullyOrderedThatIsRelaxedFailsEveryShape() throws {
    // Every shape the LKMM forbids for a fully ordered cmpxchg lets the outcome through when the
    // tree's fully ordered form has neither .rl nor its fence: each shape can fail.
    let root = try mutant("era-fenced-lrsc") {
      $0.replacingOccurrences(
        of: "_arch_cmpxchg((ptr), (o), (n), \".rl\", \"\", \"\tfence rw, rw\\n\")",
        with: "_arch_cmpxchg((ptr), (o), (n), \"\", \"\", \"\")")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["lr-sc"]) { $0.name == "cmpxchg" && $0.bytes == 4 && !$0.signed }
    let found = Set(failures(report).map(\.0))
    let shapes = Set(
      OrderingShape.all.filter { !$0.failing }.compactMap { AtomicsProver.Obligation(rawValue: $0.name) })
    #expect(shapes.count == 9 && found.isSuperset(of: shapes), "\(found)")
    // Of the failing shapes, the writer of ordered-2 is no longer a release; ordered-1 keeps its
    // smp_mb__after_atomic() and stays proved.
    #expect(found.subtracting(shapes) == [.failOrdered2], "\(found)")
  }

  @Test func fullyOrderedThatIsOnlyReleaseFailsStoreBuffering() throws {
    let root = try mutant("era-fenced-lrsc") {
      $0.replacingOccurrences(
        of: "_arch_cmpxchg((ptr), (o), (n), \".rl\", \"\", \"\tfence rw, rw\\n\")",
        with: "_arch_cmpxchg((ptr), (o), (n), \".rl\", \"\", \"\")")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["lr-sc"]) { $0.name == "cmpxchg" && $0.bytes == 8 && !$0.signed }
    let found = Set(failures(report).map(\.0))
    #expect(found.contains(.storeBuffering) && found.contains(.messagePassingReader), "\(found)")
    #expect(!found.contains(.messagePassingWriter))
  }

  @Test func byteAndHalfwordFormsAreHeldToTheShapes() throws {
    // Proved on both paths of the Zacas/Zabha era: the masked LR/SC loop and amocas.b/h.
    let era = Self.corpus.appendingPathComponent("era-zacas-zabha")
    let proved = try prove(era, paths: ["lr-sc", "zabha-zacas"]) { $0.name == "cmpxchg" && $0.bytes < 4 && !$0.signed }
    #expect(proved.rows.count == 4 && failures(proved).isEmpty)
    for row in proved.rows {
      #expect(row.verdicts?[.storeBuffering] == .proved && row.verdicts?[.messagePassingReader] == .proved)
    }
    // A fully ordered amocas.b/h that is only .rl, and a masked loop without its trailing fence.
    let onlyRelease = try mutant("era-zacas-zabha") {
      $0.replacingOccurrences(
        of: "_arch_cmpxchg((ptr), (o), (n), \".rl\", \".aqrl\", \"\", RISCV_FULL_BARRIER, \"\", \"\")",
        with: "_arch_cmpxchg((ptr), (o), (n), \".rl\", \".rl\", \"\", RISCV_FULL_BARRIER, \"\", \"\")")
    }
    defer { try? FileManager.default.removeItem(at: onlyRelease) }
    for bytes in [1, 2] {
      let report = try prove(onlyRelease, paths: ["zabha-zacas", "lr-sc"], shapes: [.storeBuffering]) {
        $0.name == "cmpxchg" && $0.bytes == bytes && !$0.signed
      }
      let zabha = report.rows.first { $0.path.name == "zabha-zacas" }
      #expect(zabha?.verdicts?[.storeBuffering].map { if case .failed = $0 { true } else { false } } == true)
      let text = failures(report).first { $0.0 == .storeBuffering }?.1 ?? ""
      #expect(text.contains("amocas.\(bytes == 1 ? "b" : "h").rl"), "\(text)")
      // The loop keeps its fence: the same mutant leaves that path proved.
      #expect(report.rows.first { $0.path.name == "lr-sc" }?.verdicts?[.storeBuffering] == .proved)
    }
    let unfenced = try mutant("era-zacas-zabha") {
      $0.replacingOccurrences(
        of: "_arch_cmpxchg((ptr), (o), (n), \".rl\", \".aqrl\", \"\", RISCV_FULL_BARRIER, \"\", \"\")",
        with: "_arch_cmpxchg((ptr), (o), (n), \".rl\", \".aqrl\", \"\", \"\", \"\", \"\")")
    }
    defer { try? FileManager.default.removeItem(at: unfenced) }
    let report = try prove(unfenced, paths: ["lr-sc"], shapes: [.storeBuffering]) {
      $0.name == "cmpxchg" && $0.bytes == 1 && !$0.signed
    }
    let found = failures(report)
    #expect(found.contains { $0.0 == .storeBuffering }, "\(found.map(\.0))")
    // The counterexample is the masked loop, its result masked out of the word.
    let text = found.first { $0.0 == .storeBuffering }?.1 ?? ""
    #expect(text.contains("lr.w") && text.contains("sc.w.rl") && text.contains("andi"), "\(text)")
  }

  @Test func aFailingCmpxchgIsOrderedByTheTreesMbAfterAtomic() throws {
    let era = Self.corpus.appendingPathComponent("era-fenced-lrsc")
    let proved = try prove(era, paths: ["lr-sc"]) { $0.operation == .cmpxchg && $0.bytes == 4 && !$0.signed }
    for row in proved.rows where row.primitive.ordering != .local {
      // Followed by smp_mb__after_atomic(), a failing cmpxchg is a full barrier; alone it is not.
      #expect(row.verdicts?[.failOrdered1] == .proved, "\(row.primitive.name)")
      #expect(row.verdicts?[.failUnordered1] == .allowed && row.verdicts?[.failUnordered2] == .allowed)
    }
    #expect(proved.rows.first { $0.primitive.ordering == .full }?.verdicts?[.failOrdered2] == .proved)
    // xchg cannot fail: the shapes are not asked of it.
    let xchg = try prove(era, paths: ["lr-sc"]) { $0.name == "xchg" && $0.bytes == 4 && !$0.signed }
    #expect(xchg.rows.first?.verdicts?[.failOrdered1] == nil)
    // A tree whose smp_mb__after_atomic() is only a write fence lets store buffering through.
    let root = try mutant("era-fenced-lrsc", header: "barrier.h") {
      $0.replacingOccurrences(
        of: "#define __smp_mb()\tRISCV_FENCE(rw, rw)\n",
        with: "#define __smp_mb()\tRISCV_FENCE(rw, rw)\n#define __smp_mb__after_atomic()\tRISCV_FENCE(w, w)\n")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["lr-sc"]) { $0.name == "cmpxchg" && $0.bytes == 4 && !$0.signed }
    let found = failures(report)
    #expect(found.map(\.0).contains(.failOrdered1), "\(found.map(\.0))")
    let counterexample = found.first { $0.0 == .failOrdered1 }?.1 ?? ""
    #expect(
      counterexample.contains("fence w,w") && counterexample.contains("cmpxchg-fail-ordered-1"), "\(counterexample)")
  }

  @Test func theTreesOwnBarriersCompileTheOtherThreads() throws {
    // An smp_load_acquire() without its fence in the tree's barrier.h: the release primitive is
    // right, but message passing read by that acquire is not.
    let root = try mutant("era-fenced-lrsc", header: "barrier.h") {
      $0.replacingOccurrences(of: "\tRISCV_FENCE(r, rw);\t\t\t\t\t\t\\\n", with: "")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let barrier = root.appendingPathComponent("arch/riscv/include/asm/barrier.h")
    let report = try prove(root, paths: ["lr-sc"]) { $0.name == "cmpxchg_release" && $0.bytes == 4 && !$0.signed }
    let found = failures(report)
    #expect(found.contains { $0.0 == .messagePassingWriter }, "\(found.map(\.0))")
    #expect(report.standardMapping.isEmpty)
    // Without a barrier.h the standard mapping stands in, and the report says so.
    try FileManager.default.removeItem(at: barrier)
    let standard = try prove(root, paths: ["lr-sc"]) { $0.name == "cmpxchg_release" && $0.bytes == 4 && !$0.signed }
    #expect(standard.standardMapping == ["__smp_load_acquire", "__smp_mb", "__smp_store_release"])
    #expect(failures(standard).isEmpty && standard.emptyStubs.contains("asm/barrier.h"))
  }

  // MARK: Kernel C litmus tests compiled through the tree

  static let lkmmCorpus = corpus.deletingLastPathComponent().appendingPathComponent("lkmm")

  static let storeBufferingWithMb = """
    C SB+mbs

    {}

    P0(int *x, int *y)
    {
    \tint r0;

    \tWRITE_ONCE(*x, 1);
    \tsmp_mb();
    \tr0 = READ_ONCE(*y);
    }

    P1(int *x, int *y)
    {
    \tint r0;

    \tWRITE_ONCE(*y, 1);
    \tsmp_mb();
    \tr0 = READ_ONCE(*x);
    }

    exists (0:r0=0 /\\ 1:r0=0)
    """

  func suite(
    _ root: URL, _ tests: [(String, String)], paths: [String] = ["lr-sc"], xlens: [Int] = [64]
  ) throws -> [AtomicsProver.SuiteRow] {
    var prover = AtomicsProver(root: root.path)
    prover.xlens = xlens
    prover.paths = AtomicsBootPath.all.filter { paths.contains($0.name) }
    prover.primitives = []
    prover.litmusTests = try tests.map { ($0.0, try KernelLitmusParser.parse($0.1, file: $0.0)) }
    return try prover.prove().suite
  }

  /// Every row proved; a row that is not names its test, path, XLEN and verdict or reason.
  func expectProved(_ rows: [AtomicsProver.SuiteRow], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    for row in rows {
      #expect(
        row.verdict == .proved,
        "\(row.test) on \(row.path.name) RV\(row.xlen): \(row.verdict.map { "\($0)" } ?? row.skipped ?? "")",
        sourceLocation: sourceLocation)
    }
  }

  /// The first row's verdict for `test` on a mutant of `era` whose `header` took `change`
  /// (lr-sc, RV64); the mutant is removed.
  func verdict(
    of test: (String, String), onMutantOf era: String, header: String, _ change: (String) -> String
  ) throws -> AtomicsProver.Verdict? {
    let root = try mutant(era, header: header, change)
    defer { try? FileManager.default.removeItem(at: root) }
    return try suite(root, [test]).first?.verdict
  }

  /// A C test's own code beyond plain moves: a stored value computed from a loaded one (`r0 + 1`,
  /// an `addi`), a branch on a call's value (`if (READ_ONCE(*y))`), and `barrier()`, which is no
  /// instruction. The compiled test reaches exactly the LKMM's state: a compiler that dropped the
  /// `+ 1` would store 0 and reach `y=0`, which the LKMM does not allow, and the test would fail.
  @Test func aTestsOwnArithmeticAndConditionsCompile() throws {
    let test = """
      C LB+data-arith+ctrl-call

      {}

      P0(int *x, int *y)
      {
      \tint r0;

      \tr0 = READ_ONCE(*x);
      \tbarrier();
      \tWRITE_ONCE(*y, r0 + 1);
      }

      P1(int *x, int *y)
      {
      \tif (READ_ONCE(*y))
      \t\tWRITE_ONCE(*x, 1);
      }

      exists (0:r0=0 /\\ y=1)
      """
    let rows = try suite(Self.corpus.appendingPathComponent("era-mainline"), [("arith", test)])
    #expect(rows.first?.verdict == .proved, "\(rows)")
  }

  /// `cmpxchg()` of values the thread holds (a loaded value plus one) rather than constants, and a
  /// negative constant stored: the compiled test reaches only the LKMM's states. A compiler that
  /// stored a constant in place of `r0 + 1` would leave `x` at that constant whatever `r0` is.
  @Test func exchangesOfHeldValuesCompile() throws {
    let test = """
      C cmpxchg-held

      {}

      P0(int *x, int *y)
      {
      \tint r0;
      \tint r1;

      \tr0 = READ_ONCE(*y);
      \tr1 = cmpxchg_relaxed(x, 0, r0 + 1);
      }

      P1(int *y)
      {
      \tWRITE_ONCE(*y, -1);
      }

      exists (x=0 /\\ 0:r0=-1)
      """
    let rows = try suite(
      Self.corpus.appendingPathComponent("era-mainline"), [("held", test)], paths: ["lr-sc", "zacas"])
    #expect(rows.count == 2 && rows.allSatisfy { $0.verdict == .proved }, "\(rows)")
  }

  @Test func theSuiteCompilesThroughTheTreeAndProves() throws {
    let files = ["SB+xchgs", "SB+xchg-relaxeds", "MP+wmb+failed-cmpxchg-acquire"]
    let tests = try files.map { name in
      (name, try String(contentsOf: Self.lkmmCorpus.appendingPathComponent(name + ".litmus"), encoding: .utf8))
    }
    let rows = try suite(
      Self.corpus.appendingPathComponent("era-zacas-zabha"), tests + [("SB+mbs", Self.storeBufferingWithMb)],
      paths: ["lr-sc", "zacas"])
    #expect(rows.count == 8)
    for row in rows {
      #expect(
        row.verdict == .proved, "\(row.test) on \(row.path.name): \(row.verdict.map { "\($0)" } ?? row.skipped ?? "")")
    }
    // What the compiler does not translate is named, not proved.
    let locked = try suite(
      Self.corpus.appendingPathComponent("era-zacas-zabha"),
      [("L", "C L\n{}\nP0(spinlock_t *s, int *x)\n{\n\tspin_lock(s);\n\tWRITE_ONCE(*x, 1);\n}\nexists (x=1)\n")])
    #expect(
      locked.first?.verdict == nil && locked.first?.skipped == "spin_lock: the tree has no RISC-V spinlock.h",
      "\(locked)")
  }

  /// The comparison needs all of the LKMM's states: a count cut short settles the C test's
  /// verdict but leaves the row unknown, never compared against part of the states.
  @Test func theSuiteNeedsEveryStateTheLKMMAllows() throws {
    var prover = AtomicsProver(root: Self.corpus.appendingPathComponent("era-zacas-zabha").path)
    prover.xlens = [64]
    prover.paths = AtomicsBootPath.all.filter { $0.name == "lr-sc" }
    prover.primitives = []
    prover.litmusTests = [("SB+mbs", try KernelLitmusParser.parse(Self.storeBufferingWithMb, file: "SB+mbs"))]
    prover.suiteStates.executionLimit = 1
    let row = try #require(try prover.prove().suite.first)
    guard case .unknown(let reason)? = row.verdict else {
      Issue.record("\(row.verdict.map { "\($0)" } ?? row.skipped ?? "")")
      return
    }
    #expect(reason.contains("the LKMM's final states of SB+mbs are not all known"), "\(reason)")
  }

  /// Message passing through a lock, written for these tests in the kernel's C-litmus syntax: the
  /// writer's two stores, one inside its critical section, are seen in order by a reader whose
  /// section comes after; `spin_is_locked()` inside a section sees the lock held.
  static let lockedMessagePassing = """
    C MP+locks

    {}

    P0(int *data, int *flag, spinlock_t *l)
    {
    \tWRITE_ONCE(*data, 1);
    \tspin_lock(l);
    \tWRITE_ONCE(*flag, 1);
    \tspin_unlock(l);
    }

    P1(int *data, int *flag, spinlock_t *l)
    {
    \tint r0;
    \tint r1;
    \tint r2;

    \tspin_lock(l);
    \tr0 = READ_ONCE(*flag);
    \tr2 = spin_is_locked(l);
    \tspin_unlock(l);
    \tr1 = READ_ONCE(*data);
    }

    exists (1:r0=1 /\\ 1:r1=0 \\/ 1:r2=0)
    """

  /// Two critical sections of two locks in each thread, the second thread the first's mirror: an
  /// unlock and the next lock order the sections' accesses as the LKMM's `po-unlock-lock-po` says.
  static let twoLocks: String = {
    func thread(_ number: Int, locks: (String, String), writes: String, reads: String) -> String {
      """
      P\(number)(int *x, int *y, spinlock_t *a, spinlock_t *b)
      {
      \tint r0;

      \tspin_lock(\(locks.0));
      \tWRITE_ONCE(*\(writes), 1);
      \tspin_unlock(\(locks.0));
      \tspin_lock(\(locks.1));
      \tr0 = READ_ONCE(*\(reads));
      \tspin_unlock(\(locks.1));
      }
      """
    }
    return "C two-locks\n\n{}\n\n" + thread(0, locks: ("a", "b"), writes: "x", reads: "y") + "\n\n"
      + thread(1, locks: ("b", "a"), writes: "y", reads: "x") + "\n\nexists (0:r0=0 /\\ 1:r0=0)\n"
  }()

  /// The test-and-set spinlock of the fenced LR/SC era compiles (its `while (1)` loop laid down as a
  /// loop the litmus test unrolls) and proves on both XLENs; without its acquire barrier, or with
  /// an unlock that is a plain store, the compiled reader sees the flag and not the data.
  @Test func testAndSetLocksCompileAndProve() throws {
    let era = Self.corpus.appendingPathComponent("era-fenced-lrsc")
    let tests = [("MP+locks", Self.lockedMessagePassing), ("two-locks", Self.twoLocks)]
    // A reader that takes the lock with spin_trylock(), and reads only when it got it.
    let trylock = Self.lockedMessagePassing.replacingOccurrences(
      of:
        "\tspin_lock(l);\n\tr0 = READ_ONCE(*flag);\n\tr2 = spin_is_locked(l);\n\tspin_unlock(l);\n\tr1 = READ_ONCE(*data);",
      with:
        "\tr2 = spin_trylock(l);\n\tif (r2) {\n\t\tr0 = READ_ONCE(*flag);\n\t\tspin_unlock(l);\n\t\tr1 = READ_ONCE(*data);\n\t}"
    ).replacingOccurrences(of: "exists (1:r0=1 /\\ 1:r1=0 \\/ 1:r2=0)", with: "exists (1:r0=1 /\\ 1:r1=0)")
    #expect(trylock.contains("spin_trylock") && trylock.contains("exists (1:r0=1 /\\ 1:r1=0)"))
    let rows = try suite(era, tests + [("trylock", trylock)], xlens: [64, 32])
    #expect(rows.count == 6)
    for row in rows {
      #expect(row.verdict == .proved, "\(row.test) RV\(row.xlen): \(row.verdict.map { "\($0)" } ?? row.skipped ?? "")")
    }
    for (name, change) in [
      ("no acquire", { (text: String) in text.replacingOccurrences(of: "\t\tRISCV_ACQUIRE_BARRIER\n", with: "") }),
      (
        "plain unlock",
        { (text: String) in
          text.replacingOccurrences(of: "smp_store_release(&lock->lock, 0);", with: "WRITE_ONCE(lock->lock, 0);")
        }
      ),
    ] {
      let broken = try verdict(of: tests[0], onMutantOf: "era-fenced-lrsc", header: "spinlock.h", change)
      guard case .failed(let text)? = broken else {
        Issue.record("\(name): \(String(describing: broken))")
        continue
      }
      #expect(text.contains("1:r0=1 1:r1=0"), "\(name): \(text)")
      // Each call's labels are its own: the two sections' loops do not share one.
      let labels = text.split(separator: "|").flatMap { $0.split(separator: "\n") }.map {
        $0.trimmingCharacters(in: .whitespaces)
      }.filter { $0.hasSuffix(":") && !$0.contains(" ") }
      #expect(!labels.isEmpty && Set(labels).count == labels.count, "\(name): \(labels)")
    }
  }

  /// era-mainline with the generic ticket lock of `corpus/atomics/generic-ticket-lock` (its Kbuild
  /// takes the generic spinlock, whose headers and atomic layer the fixture gives), with `change`
  /// applied to the lock's header; removed by the caller. `combined` lays v6.13's shape over it
  /// instead (`corpus/atomics/combined-lock`: the port's spinlock.h and the generic ticket lock
  /// over the queued lock's word), with the same atomic layer.
  /// era-mainline with a lock laid over it: the generic ticket lock, or v6.13's combined lock,
  /// with (`queued`) or without the queued lock's own files. `change` edits the lock's header
  /// (the slow path's file too, for the queued lock).
  func ticketLockTree(combined: Bool = false, queued: Bool = false, _ change: (String) -> String = { $0 }) throws
    -> URL
  {
    let root = try copy("era-mainline")
    let layer = Self.corpus.appendingPathComponent("generic-ticket-lock")
    var overlays =
      combined ? [(layer, "include/linux"), (Self.corpus.appendingPathComponent("combined-lock"), "")] : [(layer, "")]
    if queued { overlays.append((Self.corpus.appendingPathComponent("queued-lock"), "")) }
    let lockHeaders =
      queued
      ? ["include/asm-generic/qspinlock.h", "kernel/locking/qspinlock.c"]
      : [combined ? "include/asm-generic/ticket_spinlock.h" : "include/asm-generic/spinlock.h"]
    for (overlay, under) in overlays {
      let files =
        FileManager.default.enumerator(at: overlay, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? []
      for file in files where !file.hasDirectoryPath {
        let relative = String(file.path.dropFirst(overlay.path.count + 1))
        guard relative.hasPrefix(under) else { continue }
        let target = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(
          at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        var text = try String(contentsOf: file, encoding: .utf8)
        if lockHeaders.contains(relative) {
          let changed = change(text)
          text = changed
        }
        try Data(text.utf8).write(to: target)
      }
    }
    return root
  }

  /// v6.13's lock: the port's spinlock.h configured for the ticket lock, over the queued lock's
  /// word (an `atomic_t` in a union with its bytes and halves). The paths without Zabha prove;
  /// with Zabha and Zacas the boot takes the queued lock, whose slow path this tree does not
  /// have: named as not compiled. An unlock without its release fails.
  @Test func theCombinedLocksTicketPathCompiles() throws {
    let root = try ticketLockTree(combined: true)
    defer { try? FileManager.default.removeItem(at: root) }
    let rows = try suite(root, [("MP+locks", Self.lockedMessagePassing)], paths: ["lr-sc", "zabha-zacas"])
    #expect(rows.count == 2)
    let ticket = rows.first { $0.path.name == "lr-sc" }
    #expect(ticket?.verdict == .proved, "\(String(describing: ticket))")
    let queued = rows.first { $0.path.name == "zabha-zacas" }
    #expect(queued?.verdict == nil && queued?.skipped?.contains("queued lock") == true, "\(String(describing: queued))")

    let broken = try ticketLockTree(combined: true) {
      $0.replacingOccurrences(
        of: "smp_store_release(owner, (u16)seen + 1);", with: "WRITE_ONCE(*owner, (u16)seen + 1);")
    }
    defer { try? FileManager.default.removeItem(at: broken) }
    let verdict = try suite(broken, [("MP+locks", Self.lockedMessagePassing)]).first?.verdict
    guard case .failed(let text)? = verdict else {
      Issue.record("\(String(describing: verdict))")
      return
    }
    #expect(text.contains("1:r0=1 1:r1=0") && text.contains("sh "), "\(text)")
  }

  /// v6.13's lock with the queued lock's files: on the paths with Zabha and Zacas the boot takes
  /// the queued lock, whose fast path is one `amocas.w` and whose slow path's pending byte is laid
  /// down as code; the queue, which two lockers never reach, is a mark. Each mutant fails with
  /// the forbidden state: an unlock without its release, a relaxed fast path, and a pending wait
  /// without its acquire (which only the slow path's code shows). A third locker reaches the
  /// queue, and the test is not compiled, naming the jump there.
  @Test func theQueuedLockCompilesWhereTwoLockersNeverQueue() throws {
    let root = try ticketLockTree(combined: true, queued: true)
    defer { try? FileManager.default.removeItem(at: root) }
    let rows = try suite(root, [("MP+locks", Self.lockedMessagePassing)], paths: ["lr-sc", "zabha-zacas"])
    #expect(rows.count == 2)
    for row in rows {
      #expect(row.verdict == .proved, "\(row.path.name): \(row.verdict.map { "\($0)" } ?? row.skipped ?? "")")
    }

    for (name, change, shows) in [
      (
        "plain unlock",
        { (text: String) in
          text.replacingOccurrences(of: "smp_store_release(&lock->locked, 0);", with: "WRITE_ONCE(lock->locked, 0);")
        }, "sb "
      ),
      (
        "relaxed fast path",
        { (text: String) in
          text.replacingOccurrences(
            of: "if (likely(atomic_try_cmpxchg_acquire(&lock->val, &seen, _Q_LOCKED_VAL)))\n\t\treturn;",
            with: "if (likely(atomic_try_cmpxchg_relaxed(&lock->val, &seen, _Q_LOCKED_VAL)))\n\t\treturn;")
        }, "amocas.w "
      ),
      (
        "relaxed pending wait",
        { (text: String) in
          text.replacingOccurrences(
            of: "smp_cond_load_acquire(&lock->locked, !VAL);", with: "smp_cond_load_relaxed(&lock->locked, !VAL);")
        }, "amoor.w.aq"
      ),
    ] {
      let broken = try ticketLockTree(combined: true, queued: true, change)
      defer { try? FileManager.default.removeItem(at: broken) }
      let verdict = try suite(broken, [("MP+locks", Self.lockedMessagePassing)], paths: ["zabha-zacas"]).first?.verdict
      guard case .failed(let text)? = verdict else {
        Issue.record("\(name): \(String(describing: verdict))")
        continue
      }
      #expect(text.contains("1:r0=1 1:r1=0") && text.contains(shows), "\(name): \(text)")
    }

    let three = try suite(root, [("three lockers", Self.threeLockers)], paths: ["zabha-zacas"]).first
    #expect(three?.verdict == nil, "\(String(describing: three))")
    #expect(three?.skipped?.contains("'goto queue'") == true, "\(String(describing: three))")
    #expect(three?.skipped?.contains("ends with 0:r0=0") == true, "\(String(describing: three))")
    // Named where the tree has it, as a compiler names it: the slow path's file and line.
    let slowPath = try String(
      contentsOf: Self.corpus.appendingPathComponent("queued-lock/kernel/locking/qspinlock.c"), encoding: .utf8)
    let line =
      try #require(
        slowPath.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("goto queue;") }) + 1
    #expect(
      three?.skipped?.contains("kernel/locking/qspinlock.c:\(line):") == true,
      "line \(line): \(String(describing: three))")
  }

  /// Which lock a boot path runs is read from the tree's boot code: the function that disables
  /// the key the port's `spinlock.h` tests, run on the path's extensions. With a queued lock whose
  /// unlock is plain, the `zacas` path proves (it keeps the ticket lock) until the boot code takes
  /// the queued lock with Zacas alone; then it fails there. Without boot code that disables the
  /// key, the lock is not compiled, saying why.
  @Test func theBootCodePicksTheLock() throws {
    let plainUnlock = { (text: String) in
      text.replacingOccurrences(of: "smp_store_release(&lock->locked, 0);", with: "WRITE_ONCE(lock->locked, 0);")
    }
    let root = try ticketLockTree(combined: true, queued: true, plainUnlock)
    defer { try? FileManager.default.removeItem(at: root) }
    let zacas = try suite(root, [("MP+locks", Self.lockedMessagePassing)], paths: ["zacas"]).first
    #expect(zacas?.verdict == .proved, "\(String(describing: zacas))")

    let setup = root.appendingPathComponent("arch/riscv/kernel/setup.c")
    let text = try String(contentsOf: setup, encoding: .utf8)
    let zacasAlone = text.replacingOccurrences(
      of:
        "IS_ENABLED(CONFIG_RISCV_ISA_ZABHA) &&\n\t    IS_ENABLED(CONFIG_RISCV_ISA_ZACAS) &&\n\t    riscv_isa_extension_available(NULL, ZABHA) &&",
      with: "IS_ENABLED(CONFIG_RISCV_ISA_ZACAS) &&")
    #expect(zacasAlone != text)
    try Data(zacasAlone.utf8).write(to: setup)
    let queued = try suite(root, [("MP+locks", Self.lockedMessagePassing)], paths: ["zacas"]).first?.verdict
    guard case .failed(let failure)? = queued else {
      Issue.record("\(String(describing: queued))")
      return
    }
    #expect(failure.contains("1:r0=1 1:r1=0") && failure.contains("sb "), "\(failure)")

    try FileManager.default.removeItem(at: setup)
    let unread = try suite(root, [("MP+locks", Self.lockedMessagePassing)], paths: ["lr-sc"]).first
    #expect(unread?.verdict == nil && unread?.skipped?.contains("static key") == true, "\(String(describing: unread))")
    #expect(BootLockChoice.key(in: "if (static_branch_unlikely(&qspinlock_key))") == "qspinlock_key")
  }

  /// `spin_trylock()` returns early when it sees the lock held (`if (…) return false;`): the
  /// value goes to the function's return register, and the jump to its end. Two trylocks never
  /// both succeed, on the ticket lock and on the queued lock; a trylock that says "taken" when it
  /// sees the lock held lets both in, and fails with that state.
  @Test func trylocksReturnEarly() throws {
    let test = """
      C trylocks

      {}

      P0(spinlock_t *l)
      {
      \tint r0;

      \tr0 = spin_trylock(l);
      }

      P1(spinlock_t *l)
      {
      \tint r1;

      \tr1 = spin_trylock(l);
      }

      exists (0:r0=1 /\\ 1:r1=1)
      """
    let ticket = try ticketLockTree()
    defer { try? FileManager.default.removeItem(at: ticket) }
    let queued = try ticketLockTree(combined: true, queued: true)
    defer { try? FileManager.default.removeItem(at: queued) }
    for (root, path) in [(ticket, "lr-sc"), (queued, "zabha-zacas")] {
      let row = try suite(root, [("trylocks", test)], paths: [path]).first
      #expect(row?.verdict == .proved, "\(path): \(String(describing: row))")
    }
    let brokenTicket = try ticketLockTree { $0.replacingOccurrences(of: "return false;", with: "return true;") }
    defer { try? FileManager.default.removeItem(at: brokenTicket) }
    let brokenQueued = try ticketLockTree(combined: true, queued: true) {
      $0.replacingOccurrences(of: "if (unlikely(seen))\n\t\treturn 0;", with: "if (unlikely(seen))\n\t\treturn 1;")
    }
    defer { try? FileManager.default.removeItem(at: brokenQueued) }
    for (root, path) in [(brokenTicket, "lr-sc"), (brokenQueued, "zabha-zacas")] {
      let verdict = try suite(root, [("trylocks", test)], paths: [path]).first?.verdict
      guard case .failed(let text)? = verdict else {
        Issue.record("\(path): \(String(describing: verdict))")
        continue
      }
      #expect(text.contains("0:r0=1 1:r1=1"), "\(path): \(text)")
    }
  }

  /// Three threads that each take the lock and read `x` in it.
  static let threeLockers =
    "C three-lockers\n\n{}\n\n"
    + (0..<3).map { n in
      "P\(n)(int *x, spinlock_t *l)\n{\n\tint r\(n);\n\n\tspin_lock(l);\n\tr\(n) = READ_ONCE(*x);\n\tspin_unlock(l);\n}\n\n"
    }.joined() + "exists (0:r0=1)\n"

  /// The generic ticket lock (v6.0 to v6.12): the next ticket drawn by a fully ordered
  /// `atomic_fetch_add()`, a wait on the owner half, and an unlock that stores 16 bits into the
  /// 32-bit word, decided as a mixed-size access. Each mutant fails with the compiled
  /// counterexample: an unlock without its release, and a lock whose uncontended path is relaxed.
  @Test func ticketLocksCompileAndProve() throws {
    let root = try ticketLockTree()
    defer { try? FileManager.default.removeItem(at: root) }
    let tests = [("MP+locks", Self.lockedMessagePassing), ("two-locks", Self.twoLocks)]
    let rows = try suite(root, tests) + suite(root, [tests[0]], xlens: [32])
    #expect(rows.count == 3)
    for row in rows {
      #expect(row.verdict == .proved, "\(row.test) RV\(row.xlen): \(row.verdict.map { "\($0)" } ?? row.skipped ?? "")")
    }
    for (name, change) in [
      (
        "plain unlock",
        { (text: String) in
          text.replacingOccurrences(
            of: "smp_store_release(owner, (u16)seen + 1);", with: "WRITE_ONCE(*owner, (u16)seen + 1);")
        }
      ),
      (
        "relaxed draw",
        { (text: String) in
          text.replacingOccurrences(of: "atomic_fetch_add(1<<16, lock)", with: "atomic_fetch_add_relaxed(1<<16, lock)")
        }
      ),
    ] {
      let broken = try ticketLockTree(change)
      defer { try? FileManager.default.removeItem(at: broken) }
      let verdict = try suite(broken, [tests[0]]).first?.verdict
      guard case .failed(let text)? = verdict else {
        Issue.record("\(name): \(String(describing: verdict))")
        continue
      }
      #expect(text.contains("1:r0=1 1:r1=0"), "\(name): \(text)")
      // The unlock is a halfword store into the lock word the draw adds to.
      #expect(text.contains("sh ") && text.contains("amoadd.w"), "\(name): \(text)")
    }
  }

  /// A loop's variable that each pass sets before anything reads it hands nothing on (the wait's
  /// `VAL`); one a pass reads first, or sets from itself, is carried and stays unknown.
  @Test func aLoopVariableSetFirstHandsNothingOn() throws {
    func setFirst(_ text: String) throws -> Set<String> {
      var parser = CParser(tokens: try CTokenizer.tokenize(text, file: "loop.c"), file: "loop.c", index: 0)
      parser.gnuExtensions = true
      return PrimitiveEvaluator.setBeforeRead(in: .block(try parser.block()))
    }
    #expect(try setFirst("{ v = READ_ONCE(*p); if (v == t) break; }") == ["v"])
    #expect(try setFirst("{ v = v + 1; if (v == t) break; }") == [])
    #expect(try setFirst("{ if (v == t) break; v = READ_ONCE(*p); }") == [])
    #expect(try setFirst("{ w = v; v = READ_ONCE(*p); }") == ["w"])

    // A hand-written wait that counts its passes: the count is handed on, so the lock is unknown.
    let counting = try ticketLockTree {
      $0.replacingOccurrences(
        of: "atomic_cond_read_acquire(lock, mine == (u16)VAL);",
        with:
          "u32 spins = 0;\n\tfor (;;) {\n\t\tspins = spins + 1;\n\t\tif (mine == (u16)atomic_read(lock))\n\t\t\tbreak;\n\t}"
      )
    }
    defer { try? FileManager.default.removeItem(at: counting) }
    let verdict = try suite(counting, [("MP+locks", Self.lockedMessagePassing)]).first?.verdict
    guard case .unknown(let text)? = verdict else {
      Issue.record("\(String(describing: verdict))")
      return
    }
    #expect(text.contains("changes 'spins' from one pass to the next"), "\(text)")
  }

  /// A branch on a run-time value laid down as code: each arm's code, and a register for each local
  /// (or caller's local behind a pointer, as `try_cmpxchg()` updates `old`) the arms leave
  /// different. The compiled code runs on RVWMO from each value of the object: the result is
  /// the C's, and only the C's. Arms that leave a local equal either way need no branch. An arm
  /// that cannot be laid down is a mark where marks are allowed, and unknown where not.
  @Test func branchesOnRunTimeValuesJoinInRegisters() throws {
    let source = """
      static inline void bump(int *c, int v) { if (v != 0) *c = v + 1; }
      static inline int pick(int *p)
      {
      \tint seen = __rvcheck_read_once(p);
      \tint copy = 7;
      \tint other;

      \tbump(&copy, seen);
      \tif (seen == 2)
      \t\tother = 40;
      \telse
      \t\tother = copy + 1;
      \treturn copy + other;
      }
      static inline int same(int *p)
      {
      \tint seen = __rvcheck_read_once(p);
      \tint last = 0;

      \tif (seen != 0)
      \t\tlast = seen;
      \treturn last;
      }
      static inline int marked(int *p)
      {
      \tint seen = __rvcheck_read_once(p);

      \tif (seen == 5)
      \t\tgoto elsewhere;
      \treturn seen;
      elsewhere:
      \treturn 0;
      }
      """
    let unit = ExpandedUnit(tokens: try CTokenizer.tokenize(source, file: "branch.c"), file: "branch.c", xlen: 64)
    let prover = AtomicsProver(root: "/nonexistent")
    let path = AtomicsBootPath.all.first { $0.name == "lr-sc" }!
    func compiled(_ function: String, marks: ThreadMarks? = nil, scratch: [Int] = Array(19...27)) throws -> (
      lines: [String], result: String?
    ) {
      let body = try #require(unit.functions[function]?.body)
      let compiled = try prover.compileBody(
        body, type: .integer(bits: 32, signed: true), constants: [:], path: path, xlen: 64, file: "branch.c",
        object: 18, scratch: scratch, prefix: "P0", what: function, unit: unit, marks: marks)
      return (compiled.lines, compiled.result)
    }
    /// The result's final values over RVWMO with the object holding `value`.
    func results(_ lines: [String], _ result: String, from value: Int, extra: String = "") throws -> [[String]] {
      let text =
        "RISCV branch\n{\nx=\(value);\n0:s2=x;\n\(extra)}\n" + OrderingShape.threadTable([lines])
        + "exists (0:\(result)=0)\n"
      return try LitmusChecker().check(try LitmusParser.parse(text, file: "branch")).states
    }
    let pick = try compiled("pick")
    let result = try #require(pick.result)
    #expect(pick.lines.contains { $0.hasPrefix("beq ") || $0.hasPrefix("bne ") }, "\(pick.lines)")
    // seen 0: copy stays 7, other 8; seen 2: copy 3, other 40; seen 9: copy 10, other 11.
    for (value, expected) in [(0, 15), (2, 43), (9, 21)] {
      let states = try results(pick.lines, result, from: value)
      let register = RegisterNames.number(result).map { "0:x\($0)" } ?? result
      #expect(states == [["\(register)=\(expected)"]], "x=\(value): \(states)\n\(pick.lines.joined(separator: "\n"))")
    }

    // Arms that agree wherever it matters (`last` is `seen` either way) need no branch.
    let same = try compiled("same")
    #expect(!same.lines.contains { $0.hasPrefix("beq ") || $0.hasPrefix("bne ") }, "\(same.lines)")
    for value in [0, 6] {
      let register = try #require(same.result.flatMap(RegisterNames.number))
      #expect(try results(same.lines, "x\(register)", from: value) == [["0:x\(register)=\(value)"]])
    }

    // Marks allowed: the arm that jumps away sets the flag and leaves for the thread's end.
    let marks = ThreadMarks(exitLabel: "P0end")
    let marked = try compiled("marked", marks: marks)
    #expect(marks.reasons.count == 1 && marks.reasons[0].contains("'goto elsewhere'"), "\(marks.reasons)")
    for (value, flag) in [(4, 0), (5, 1)] {
      let lines = marked.lines + ["P0end:"]
      let states = try results(lines, "x3", from: value, extra: "0:x3=0;\n")
      #expect(states.contains { $0.contains("0:x3=\(flag)") } && states.count == 1, "x=\(value): \(states)")
    }
    // Not allowed: unknown where it stands.
    #expect(throws: AtomicsUnknown.self) { try compiled("marked") }
    // Out of registers: said so, at the condition.
    do {
      _ = try compiled("pick", scratch: [19])
      Issue.record("compiled with one register")
    } catch let unknown as AtomicsUnknown {
      #expect(unknown.reason.contains("than registers to hold them"), "\(unknown)")
    }
  }

  /// A critical section that sees a location change, kept by a filter: mutual exclusion leaves no
  /// execution on either side, which proves (the compiled test does run without its filter). A
  /// lock whose trylock always says taken lets both threads in, and the state the LKMM has not is
  /// reached.
  @Test func sectionsThatCannotOverlapLeaveNoExecution() throws {
    let test = """
      C overlapping-sections

      {}

      P0(int *x, spinlock_t *l)
      {
      \tspin_lock(l);
      \tWRITE_ONCE(*x, 1);
      \tspin_unlock(l);
      }

      P1(int *x, spinlock_t *l)
      {
      \tint r0;
      \tint r1;

      \tspin_lock(l);
      \tr0 = READ_ONCE(*x);
      \tr1 = READ_ONCE(*x);
      \tspin_unlock(l);
      }

      filter (1:r0=0 /\\ 1:r1=1)
      exists (1:r0=0)
      """
    let rows = try suite(Self.corpus.appendingPathComponent("era-fenced-lrsc"), [("overlap", test)])
    #expect(rows.first?.verdict == .proved, "\(rows)")
    let broken = try verdict(of: ("overlap", test), onMutantOf: "era-fenced-lrsc", header: "spinlock.h") {
      $0.replacingOccurrences(of: "return !held;", with: "return 1;")
    }
    guard case .failed(let text)? = broken else {
      Issue.record("\(String(describing: broken))")
      return
    }
    #expect(text.contains("forbids for overlapping-sections:\n  1:r0=0\n"), "\(text)")
    // A lock that is never taken spins past the unrolling bound: no execution even without the
    // filter, so nothing is proved.
    let spinning = try verdict(of: ("overlap", test), onMutantOf: "era-fenced-lrsc", header: "spinlock.h") {
      // It waits while the lock is free, and tries only a held one.
      $0.replacingOccurrences(of: "(READ_ONCE((l)->lock) != 0)", with: "(READ_ONCE((l)->lock) == 0)")
    }
    guard case .unknown(let reason)? = spinning else {
      Issue.record("\(String(describing: spinning))")
      return
    }
    #expect(reason.contains("RVWMO did not decide the compiled test: no execution"), "\(reason)")
  }

  /// Locks the compiler does not lay down are named: a port's own spinlock.h that builds neither
  /// lock it knows, a generic lock whose headers the tree lacks, and a loop whose condition is a
  /// run-time value, located in the tree.
  @Test func locksTheCompilerCannotLayDownAreNamed() throws {
    let ticket = try copy("era-fenced-lrsc")
    defer { try? FileManager.default.removeItem(at: ticket) }
    let asm = ticket.appendingPathComponent("arch/riscv/include/asm")
    try FileManager.default.removeItem(at: asm.appendingPathComponent("spinlock_types.h"))
    // A port's own spinlock.h without its types: the later ports' queued or ticket lock.
    let chosen = try suite(ticket, [("MP+locks", Self.lockedMessagePassing)])
    #expect(chosen.first?.verdict == nil && chosen.first?.skipped?.contains("queued or a ticket lock") == true)
    // The generic lock named by Kbuild, in a tree without the generic headers.
    try FileManager.default.removeItem(at: asm.appendingPathComponent("spinlock.h"))
    try "generic-y += spinlock.h\ngeneric-y += spinlock_types.h\n".write(
      to: asm.appendingPathComponent("Kbuild"), atomically: true, encoding: .utf8)
    let generic = try suite(ticket, [("MP+locks", Self.lockedMessagePassing)])
    #expect(
      generic.first?.verdict == nil && generic.first?.skipped?.contains("no include/asm-generic/spinlock.h") == true,
      "\(generic)")

    let waiting = try verdict(
      of: ("MP+locks", Self.lockedMessagePassing), onMutantOf: "era-fenced-lrsc", header: "spinlock.h"
    ) {
      $0.replacingOccurrences(of: "\twhile (1) {", with: "\twhile (arch_spin_is_locked(lock)) {")
    }
    guard case .unknown(let text)? = waiting else {
      Issue.record("\(String(describing: waiting))")
      return
    }
    #expect(text.contains("a 'while' loop with a start, a step or a run-time condition"), "\(text)")
  }

  /// A pointer published by a release and read through by its reader, written for these tests in
  /// the kernel's C-litmus syntax: the reader may not see the new pointer and the old data.
  static let publishThroughPointer = """
    C publish-through-pointer

    {
    \tint *head=guard;
    \tint guard=0;
    \tint data;
    }

    P0(int *data, int **head)
    {
    \tWRITE_ONCE(*data, 5);
    \trcu_assign_pointer(*head, data);
    }

    P1(int *data, int **head)
    {
    \tint *seen;
    \tint value;

    \trcu_read_lock();
    \tseen = rcu_dereference(*head);
    \tvalue = READ_ONCE(*seen);
    \trcu_read_unlock();
    }

    exists (1:seen=data /\\ 1:value=0)
    """

  /// A value carried through plain stores and loads into a branch, against a reader that passes
  /// it back with acquire and release.
  static let chainThroughPlainAccesses = """
    C chain-through-plain

    {}

    P0(int *a, int *b, int *t1, int *t2)
    {
    \tint v = READ_ONCE(*a);

    \t*t1 = v;
    \t*t2 = *t1;
    \tif (*t2 == 1)
    \t\tWRITE_ONCE(*b, 1);
    }

    P1(int *a, int *b)
    {
    \tint w = smp_load_acquire(b);

    \tsmp_store_release(a, w);
    }

    exists (a=1 /\\ b=1)
    """

  @Test func pointersAndPlainChainsCompileAndProve() throws {
    let rows = try suite(
      Self.corpus.appendingPathComponent("era-zacas-zabha"),
      [("publish", Self.publishThroughPointer), ("chain", Self.chainThroughPlainAccesses)],
      paths: ["lr-sc", "zacas"], xlens: [32, 64])
    #expect(rows.count == 8)
    expectProved(rows)
    // A grace period with no reader to wait for is its two full barriers.
    let waits = try suite(
      Self.corpus.appendingPathComponent("era-zacas-zabha"),
      [("W", "C W\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n\tsynchronize_rcu();\n}\nexists (x=1)\n")])
    #expect(waits.first?.verdict == .proved, "\(waits)")
    // A pointer to a pointer held in a local, and a read through an int: named, not compiled.
    let deeper = try suite(
      Self.corpus.appendingPathComponent("era-zacas-zabha"),
      [
        ("D", "C D\n{}\nP0(int *x)\n{\n\tint **q;\n\tWRITE_ONCE(*x, 1);\n}\nexists (x=1)\n"),
        ("I", "C I\n{}\nP0(int *x)\n{\n\tint r0;\n\tint r1;\n\tr0 = 1;\n\tr1 = READ_ONCE(*r0);\n}\nexists (0:r1=0)\n"),
      ])
    #expect(
      deeper.map(\.skipped) == ["a local of type 'int * *'", "READ_ONCE through a pointer value ('*r0')"], "\(deeper)")
  }

  /// Readers and grace periods, written for these tests in the kernel's C-litmus syntax: a
  /// section that sees a write after the grace period sees the one before it (Never), a section
  /// cannot straddle one (Never), and one grace period cannot order two readers' sections (the
  /// LKMM allows it: Sometimes).
  static let gracePeriodTests = [
    (
      "sees-before",
      "C sees-before\n{}\nP0(int *x, int *y)\n{\n\tWRITE_ONCE(*x, 1);\n\tsynchronize_rcu();\n\tWRITE_ONCE(*y, 1);\n}\n"
        + "P1(int *x, int *y)\n{\n\tint r0;\n\tint r1;\n\n\trcu_read_lock();\n\tr0 = READ_ONCE(*y);\n"
        + "\tr1 = READ_ONCE(*x);\n\trcu_read_unlock();\n}\nexists (1:r0=1 /\\ 1:r1=0)\n"
    ),
    (
      "straddle",
      "C straddle\n{}\nP0(int *x, int *y)\n{\n\trcu_read_lock();\n\tWRITE_ONCE(*x, 1);\n\tWRITE_ONCE(*y, 1);\n"
        + "\trcu_read_unlock();\n}\nP1(int *x, int *y)\n{\n\tint r0;\n\tint r1;\n\n\tr0 = READ_ONCE(*x);\n"
        + "\tsynchronize_rcu();\n\tr1 = READ_ONCE(*y);\n}\nexists (1:r0=1 /\\ 1:r1=0)\n"
    ),
    (
      "two-readers",
      "C two-readers\n{}\nP0(int *x, int *y)\n{\n\tint r1;\n\n\trcu_read_lock();\n\tr1 = READ_ONCE(*y);\n"
        + "\tWRITE_ONCE(*x, 1);\n\trcu_read_unlock();\n}\nP1(int *z, int *x)\n{\n\tint r2;\n\n"
        + "\tr2 = READ_ONCE(*x);\n\tsynchronize_rcu();\n\tWRITE_ONCE(*z, 1);\n}\nP2(int *y, int *z)\n{\n"
        + "\tint r3;\n\n\trcu_read_lock();\n\tr3 = READ_ONCE(*z);\n\tWRITE_ONCE(*y, 1);\n\trcu_read_unlock();\n}\n"
        + "exists (0:r1=1 /\\ 1:r2=1 /\\ 2:r3=1)\n"
    ),
  ]

  @Test func gracePeriodsCompileAsAHandshakeWithEachReader() throws {
    // A condition that compares with a name no location has: its symbol stays after the
    // handshake's locations on both sides.
    let symbol = (
      "symbol",
      "C symbol\n{}\nP0(int *x)\n{\n\trcu_read_lock();\n\tWRITE_ONCE(*x, 1);\n\trcu_read_unlock();\n}\n"
        + "P1(int *x)\n{\n\tint r0;\n\n\tr0 = READ_ONCE(*x);\n\tsynchronize_rcu();\n}\nexists (1:r0=elsewhere)\n"
    )
    let rows = try suite(
      Self.corpus.appendingPathComponent("era-zacas-zabha"), Self.gracePeriodTests + [symbol],
      paths: ["lr-sc", "zacas"], xlens: [32, 64])
    #expect(rows.count == 16)
    expectProved(rows)
    // What the handshake cannot express is named, not compiled.
    let refused = try suite(
      Self.corpus.appendingPathComponent("era-zacas-zabha"),
      [
        (
          "branch",
          "C branch\n{}\nP0(int *x)\n{\n\tint r0;\n\n\tr0 = READ_ONCE(*x);\n\tif (r0)\n\t\trcu_read_lock();\n}\n"
            + "P1(int *x)\n{\n\tsynchronize_rcu();\n\tWRITE_ONCE(*x, 1);\n}\nexists (0:r0=1)\n"
        ),
        (
          "inside",
          "C inside\n{}\nP0(int *x)\n{\n\trcu_read_lock();\n\tWRITE_ONCE(*x, 1);\n\tsynchronize_rcu();\n"
            + "\trcu_read_unlock();\n}\nP1(int *x)\n{\n\tsynchronize_rcu();\n}\nexists (x=1)\n"
        ),
      ])
    #expect(refused.map(\.verdict) == [nil, nil], "\(refused)")
    #expect(refused.last?.skipped?.contains("a grace period inside a read-side section") == true, "\(refused)")
    // Two threads that each read under RCU and then wait: each answers the other as it waits
    // (else neither would finish, and no execution would be left to judge).
    let both = try suite(
      Self.corpus.appendingPathComponent("era-zacas-zabha"),
      [
        (
          "both",
          "C both\n{}\nP0(int *x, int *y)\n{\n\tint r0;\n\n\trcu_read_lock();\n\tr0 = READ_ONCE(*y);\n"
            + "\trcu_read_unlock();\n\tsynchronize_rcu();\n\tWRITE_ONCE(*x, 1);\n}\nP1(int *x, int *y)\n{\n"
            + "\tint r1;\n\n\trcu_read_lock();\n\tr1 = READ_ONCE(*x);\n\trcu_read_unlock();\n\tsynchronize_rcu();\n"
            + "\tWRITE_ONCE(*y, 1);\n}\nexists (0:r0=1 /\\ 1:r1=1)\n"
        )
      ], paths: ["lr-sc", "zacas"], xlens: [32, 64])
    expectProved(both)
    // The LKMM refuses a conditional section first; the compiler would too.
    let conditional = try KernelLitmusParser.parse(
      "C branch\n{}\nP0(int *x)\n{\n\tint r0;\n\n\tr0 = READ_ONCE(*x);\n\tif (r0)\n\t\trcu_read_lock();\n}\n"
        + "P1(int *x)\n{\n\tsynchronize_rcu();\n\tWRITE_ONCE(*x, 1);\n}\nexists (0:r0=1)\n", file: "branch")
    do {
      _ = try GracePeriods(conditional, taken: [])
      Issue.record("a section inside a branch was compiled")
    } catch let reason as AtomicsProver.NotCompiled {
      #expect(reason.reason.contains("inside a branch"), "\(reason.reason)")
    }
  }

  /// The handshake orders a reader's section and the waiter's accesses through its fences alone:
  /// with any one of them left out, RVWMO allows what the LKMM forbids. `sees-before` and
  /// `straddle` above, laid down by hand with `GracePeriods`' code.
  @Test func theHandshakeOrdersOnlyThroughItsFences() throws {
    func test(waiter: [String], reader: [String], readerFirst: Bool, exists: String) -> String {
      let columns = readerFirst ? [reader, waiter] : [waiter, reader]
      return "RISCV handshake\n{\nx=0; y=0; gp=0;\n0:s2=x; 0:s3=y; 0:s4=gp; 1:s2=x; 1:s3=y; 1:s4=gp;\n}\n"
        + OrderingShape.threadTable(columns) + "exists (\(exists))\n"
    }
    func verdict(_ text: String) throws -> LitmusResult.Verdict {
      try LitmusChecker(model: .rvwmo).check(try LitmusParser.parse(text, file: "handshake")).verdict
    }
    func dropping(_ index: Int, of lines: [String]) -> [String] {
      let fences = lines.indices.filter { lines[$0] == "fence rw,rw" }
      var dropped = lines
      dropped.remove(at: fences[index])
      return dropped
    }
    let wait = GracePeriods.wait(flags: ["s4"], one: "a0", seen: "a1", label: "G")
    let answer = GracePeriods.quiescentState(flag: "s4", scratch: "a0", label: "Q")
    let end = GracePeriods.end(flag: "s4", scratch: "a0")
    // sees-before: P0 writes x, waits, writes y; P1's section reads y, then x.
    let seesWaiter = ["li a2,1", "sw a2,0(s2)"] + wait + ["sw a2,0(s3)"]
    let seesReader = answer + ["lw a2,0(s3)", "lw a3,0(s2)"] + end
    func sees(_ waiter: [String], _ reader: [String]) throws -> LitmusResult.Verdict {
      try verdict(test(waiter: waiter, reader: reader, readerFirst: false, exists: "1:a2=1 /\\ 1:a3=0"))
    }
    #expect(try sees(seesWaiter, seesReader) == .never)
    #expect(try sees(dropping(0, of: seesWaiter), seesReader) == .sometimes)
    #expect(try sees(seesWaiter, dropping(0, of: seesReader)) == .sometimes)
    // straddle: P0's section writes x then y; P1 reads x, waits, reads y.
    let straddleReader = answer + ["li a2,1", "sw a2,0(s2)", "sw a2,0(s3)"] + end
    let straddleWaiter = ["lw a2,0(s2)"] + wait + ["lw a3,0(s3)"]
    func straddle(_ waiter: [String], _ reader: [String]) throws -> LitmusResult.Verdict {
      try verdict(test(waiter: waiter, reader: reader, readerFirst: true, exists: "1:a2=1 /\\ 1:a3=0"))
    }
    #expect(try straddle(straddleWaiter, straddleReader) == .never)
    #expect(try straddle(dropping(1, of: straddleWaiter), straddleReader) == .sometimes)
    #expect(try straddle(straddleWaiter, dropping(1, of: straddleReader)) == .sometimes)
    // And no more order than the LKMM's: one grace period between two readers' sections
    // (`two-readers`) leaves the cycle possible, as the LKMM does.
    let first =
      GracePeriods.quiescentState(flag: "s5", scratch: "a0", label: "Q") + ["lw a2,0(s3)", "li a3,1"]
      + ["sw a3,0(s2)"] + GracePeriods.end(flag: "s5", scratch: "a0")
    let waiter =
      ["lw a2,0(s2)"] + GracePeriods.wait(flags: ["s5", "s6"], one: "a0", seen: "a1", label: "G")
      + ["li a3,1", "sw a3,0(s4)"]
    let second =
      GracePeriods.quiescentState(flag: "s6", scratch: "a0", label: "R") + ["lw a2,0(s4)", "li a3,1"]
      + ["sw a3,0(s3)"] + GracePeriods.end(flag: "s6", scratch: "a0")
    let registers = (0..<3).map { "\($0):s2=x; \($0):s3=y; \($0):s4=z; \($0):s5=g0; \($0):s6=g2;" }.joined(
      separator: " ")
    let twoReaders =
      "RISCV two-readers\n{\nx=0; y=0; z=0; g0=0; g2=0;\n\(registers)\n}\n"
      + OrderingShape.threadTable([first, waiter, second]) + "exists (0:a2=1 /\\ 1:a2=1 /\\ 2:a2=1)\n"
    #expect(try verdict(twoReaders) == .sometimes)
  }

  /// Store buffering with `smp_store_mb()` on both sides, written for these tests.
  static let storeBufferingWithStoreMb = """
    C SB-store-mb

    {}

    P0(int *x, int *y)
    {
    \tint r0;

    \tsmp_store_mb(*x, 1);
    \tr0 = READ_ONCE(*y);
    }

    P1(int *x, int *y)
    {
    \tint r1;

    \tsmp_store_mb(*y, 1);
    \tr1 = READ_ONCE(*x);
    }

    exists (0:r0=0 /\\ 1:r1=0)
    """

  /// `smp_store_mb()` is asm-generic's: the store, then the tree's `smp_mb()`. A tree whose
  /// `__smp_mb()` orders only stores fails; one with its own `__smp_store_mb` is not compiled.
  @Test func storeMbIsTheStoreThenTheTreesFullBarrier() throws {
    let rows = try suite(
      Self.corpus.appendingPathComponent("era-fenced-lrsc"), [("sb", Self.storeBufferingWithStoreMb)],
      paths: ["lr-sc"], xlens: [32, 64])
    #expect(rows.count == 2 && rows.allSatisfy { $0.verdict == .proved }, "\(rows)")
    let weak = try verdict(
      of: ("sb", Self.storeBufferingWithStoreMb), onMutantOf: "era-fenced-lrsc", header: "barrier.h"
    ) {
      $0.replacingOccurrences(
        of: "#define __smp_mb()\tRISCV_FENCE(rw, rw)", with: "#define __smp_mb()\tRISCV_FENCE(w, w)")
    }
    guard case .failed(let counterexample)? = weak else {
      Issue.record("not failed: \(String(describing: weak))")
      return
    }
    #expect(counterexample.contains("fence w,w"), "\(counterexample)")
    let own = try mutant("era-fenced-lrsc", header: "barrier.h") {
      $0.replacingOccurrences(
        of: "#define __smp_mb()\tRISCV_FENCE(rw, rw)",
        with: "#define __smp_mb()\tRISCV_FENCE(rw, rw)\n#define __smp_store_mb(var, value)\tWRITE_ONCE(var, value)")
    }
    defer { try? FileManager.default.removeItem(at: own) }
    let skipped = try suite(own, [("sb", Self.storeBufferingWithStoreMb)]).first
    #expect(
      skipped?.verdict == nil && skipped?.skipped == "the tree's own __smp_store_mb", "\(String(describing: skipped))")
  }

  /// Message passing counted only where the reader saw the flag, written for these tests in the
  /// kernel's C-litmus syntax.
  static let filteredMessagePassing = """
    C MP-filtered

    {}

    P0(int *x, int *y)
    {
    \tWRITE_ONCE(*x, 1);
    \tsmp_store_release(y, 1);
    }

    P1(int *x, int *y)
    {
    \tint r0;
    \tint r1;

    \tr0 = smp_load_acquire(y);
    \tr1 = READ_ONCE(*x);
    }

    filter (1:r0=1)
    exists (1:r1=0)
    """

  @Test func aFilterLeavesOutTheSameExecutionsOfTheCompiledTest() throws {
    let rows = try suite(
      Self.corpus.appendingPathComponent("era-fenced-lrsc"), [("filtered", Self.filteredMessagePassing)])
    #expect(rows.first?.verdict == .proved, "\(rows)")
    // Without the release's fence the reader sees the flag and not the data; the filter keeps
    // that execution, on the register that holds r0.
    let broken = try verdict(
      of: ("filtered", Self.filteredMessagePassing), onMutantOf: "era-fenced-lrsc", header: "barrier.h"
    ) {
      $0.replacingOccurrences(of: "\tRISCV_FENCE(rw, w);\t\t\t\t\t\t\\\n", with: "")
    }
    guard case .failed(let counterexample)? = broken else {
      Issue.record("not failed: \(String(describing: broken))")
      return
    }
    #expect(counterexample.contains("  1:r1=0\n") && counterexample.contains("filter (1:x20=1)"), "\(counterexample)")
  }

  @Test func aCompiledTestMustPlaceItsLocationsAsTheCTestDoes() throws {
    let test = try KernelLitmusParser.parse(Self.publishThroughPointer, file: "publish.litmus")
    #expect(test.header.memoryLocations == ["head", "guard", "data"])
    func text(_ initial: String) -> String {
      "RISCV P\n{\n\(initial)\n0:s2=data; 0:s3=head;\n}\n P0 ;\n lw s4,0(s2) ;\nexists (0:x20=0)\n"
    }
    try SuiteCompiler.checkPlacement(text("head=guard; guard=0; data=0;"), of: test, file: "publish.litmus")
    // data first: every address would differ from the C test's, and `1:seen=data` mean another thing.
    do {
      try SuiteCompiler.checkPlacement(text("data=0; head=guard; guard=0;"), of: test, file: "publish.litmus")
      Issue.record("a compiled test that places its locations otherwise passed")
    } catch let unknown as AtomicsUnknown {
      #expect(unknown.reason.contains("places its locations as [\"data\", \"head\", \"guard\"]"), "\(unknown.reason)")
    }
  }

  @Test func aReleaseWithoutItsFenceLetsThePointerOutrunItsData() throws {
    // The tree's smp_store_release() without its fence: rcu_assign_pointer() publishes the
    // pointer before the data it points to, and the reader sees the pointer and the old data.
    let root = try mutant("era-fenced-lrsc", header: "barrier.h") {
      $0.replacingOccurrences(of: "\tRISCV_FENCE(rw, w);\t\t\t\t\t\t\\\n", with: "")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    for xlen in [32, 64] {
      let rows = try suite(root, [("publish", Self.publishThroughPointer)], xlens: [xlen])
      guard case .failed(let counterexample)? = rows.first?.verdict else {
        Issue.record("not failed on RV\(xlen): \(rows)")
        continue
      }
      let store = xlen == 64 ? "sd " : "sw "
      #expect(
        counterexample.contains("1:seen=data 1:value=0") && counterexample.contains(store)
          && !counterexample.contains("fence rw,w"), "\(counterexample)")
    }
  }

  /// Publication in the style of generated tests, written for these tests: pointer-sized
  /// integers, an address given to a register in the initial state, a register never declared.
  static let wordPublication = """
    C word-publication

    {
    \t0:r3=data; flag=spare;
    }

    P0(intptr_t *data, intptr_t *flag)
    {
    \tWRITE_ONCE(*data, 5);
    \tsmp_store_release(flag, r3);
    }

    P1(intptr_t *flag, intptr_t *spare)
    {
    \tintptr_t r1 = rcu_dereference(*flag);
    \tr2 = READ_ONCE(*r1);
    }

    exists (1:r1=data /\\ 1:r2=0)
    """

  /// Load buffering where each store waits on a comparison's value, in the same style.
  static let comparisonControl = """
    C comparison-control

    {
    \t0:r4=1; 1:r4=1;
    }

    P0(intptr_t *x, intptr_t *y)
    {
    \tintptr_t r1 = READ_ONCE(*x);
    \tintptr_t r4 = (r1 == r4);
    \tif (r4) {
    \t\tWRITE_ONCE(*y, 1);
    \t}
    }

    P1(intptr_t *x, intptr_t *y)
    {
    \tintptr_t r1 = READ_ONCE(*y);
    \tintptr_t r4 = (r1 != 0);
    \tif (r4) {
    \t\tWRITE_ONCE(*x, 1);
    \t}
    }

    locations [0:r4; 1:r4]
    exists (0:r1=1 /\\ 1:r1=1)
    """

  /// Pointer-sized locations are accessed whole (`ld`/`sd` on RV64), a register given an address
  /// in the initial state holds it from the start, and a comparison's value is computed without a
  /// branch; both tests prove, and a release that lost its fence fails the publication.
  @Test func generatedStyleTestsCompileAtTheirWidth() throws {
    let tests = [("word-publication", Self.wordPublication), ("comparison-control", Self.comparisonControl)]
    let rows = try suite(
      Self.corpus.appendingPathComponent("era-zacas-zabha"), tests, paths: ["lr-sc", "zacas"], xlens: [32, 64])
    #expect(rows.count == 8)
    expectProved(rows)
    let root = try mutant("era-fenced-lrsc", header: "barrier.h") {
      $0.replacingOccurrences(of: "\tRISCV_FENCE(rw, w);\t\t\t\t\t\t\\\n", with: "")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    for xlen in [32, 64] {
      let rows = try suite(root, [tests[0]], xlens: [xlen])
      guard case .failed(let counterexample)? = rows.first?.verdict else {
        Issue.record("not failed on RV\(xlen): \(rows)")
        continue
      }
      let (load, store) = xlen == 64 ? ("ld ", "sd ") : ("lw ", "sw ")
      #expect(
        counterexample.contains("1:r1=data 1:r2=0") && counterexample.contains(store) && counterexample.contains(load)
          && !counterexample.contains("fence rw,w"), "\(counterexample)")
    }
  }

  @Test func theStatesOutsideTheLKMMsAreOneCondition() throws {
    let compiled = """
      RISCV SB
      { 0:x5=x; 1:x5=y; }
       P0 | P1 ;
      locations [x;]
      filter (0:x18=0)
      exists (0:x18=0 /\\ 1:x18=0)

      """
    let names = ["0:x18": "0:r0", "1:x18": "1:r0"]
    let outside = AtomicsProver.outsideStates(
      compiled, allowed: [["0:r0=1", "1:r0=0", "x=1"], ["0:r0=-1", "1:r0=1", "x=1"]], names)
    let lines = outside.split(separator: "\n").map(String.init)
    // The C test's condition gives way; the filter and the observed locations stay.
    #expect(lines.last == "exists (~((0:x18=1 /\\ 1:x18=0 /\\ x=1) \\/ (0:x18=-1 /\\ 1:x18=1 /\\ x=1)))")
    #expect(lines.contains("filter (0:x18=0)") && lines.contains("locations [x;]"))
    #expect(!outside.contains("exists (0:x18=0"))
    #expect(lines.count == compiled.split(separator: "\n").count)
  }

  @Test func aWeakMappingFailsTheSuiteWithTheStatesItReaches() throws {
    // smp_mb() that is only a write fence: store buffering gets through.
    let root = try mutant("era-fenced-lrsc", header: "barrier.h") {
      $0.replacingOccurrences(
        of: "#define __smp_mb()\tRISCV_FENCE(rw, rw)", with: "#define __smp_mb()\tRISCV_FENCE(w, w)")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let rows = try suite(root, [("SB+mbs", Self.storeBufferingWithMb)])
    guard case .failed(let counterexample)? = rows.first?.verdict else {
      Issue.record("not failed: \(rows)")
      return
    }
    #expect(counterexample.contains("0:r0=0 1:r0=0") && counterexample.contains("fence w,w"), "\(counterexample)")
    // A fully ordered xchg that is relaxed: store buffering through two xchg.
    let relaxed = try mutant("era-fenced-lrsc") {
      $0.replacingOccurrences(
        of: "#define arch_xchg(ptr, x)\t\t_arch_xchg(ptr, x, \".aqrl\", \"\", \"\")",
        with: "#define arch_xchg(ptr, x)\t\t_arch_xchg(ptr, x, \"\", \"\", \"\")")
    }
    defer { try? FileManager.default.removeItem(at: relaxed) }
    let sb = try String(contentsOf: Self.lkmmCorpus.appendingPathComponent("SB+xchgs.litmus"), encoding: .utf8)
    let xchg = try suite(relaxed, [("SB+xchgs", sb)])
    guard case .failed(let text)? = xchg.first?.verdict else {
      Issue.record("not failed: \(xchg)")
      return
    }
    #expect(text.contains("amoswap.w ") && !text.contains("amoswap.w.aqrl"), "\(text)")
  }

  // MARK: What the reader cannot follow

  @Test func aTryCmpxchgTheTreeDefinesIsUnreadNotProved() throws {
    let root = try mutant("era-zacas-zabha") {
      $0.replacingOccurrences(
        of: "#define arch_cmpxchg_local(ptr, o, n)",
        with:
          "#define arch_try_cmpxchg(ptr, po, n) arch_cmpxchg((ptr), *(po), (n))\n#define arch_cmpxchg_local(ptr, o, n)")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["zacas"]) { $0.name == "cmpxchg" && $0.bytes == 4 && !$0.signed }
    #expect(failures(report).isEmpty)
    #expect(report.unread.map(\.name) == ["try_cmpxchg"] && report.unread.first?.location.line ?? 0 > 1)
    #expect(report.exitCode == 3)
    let plain = try prove(Self.corpus.appendingPathComponent("era-zacas-zabha"), paths: ["zacas"]) {
      $0.name == "cmpxchg" && $0.bytes == 4 && !$0.signed
    }
    #expect(plain.unread.isEmpty && plain.exitCode == 0)
  }

  @Test func unknownCodeIsUnknownAtItsPlace() throws {
    let root = try mutant("era-fenced-lrsc") { text in
      text.replacingOccurrences(
        of: "\t__typeof__(ptr) __ptr = (ptr);\t\t\t\t\t\\\n\t__typeof__(*(__ptr)) __new",
        with: "\t__typeof__(ptr) __ptr = arch_helper(ptr);\t\t\t\t\\\n\t__typeof__(*(__ptr)) __new")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["lr-sc"]) { $0.operation == .xchg && $0.ordering == .relaxed && $0.bytes == 4 }
    let unknown = report.rows.compactMap(\.unknown)
    #expect(unknown.count == 2 && unknown.allSatisfy { $0.contains("arch_helper()") }, "\(unknown)")
    #expect(unknown.first?.contains("cmpxchg.h (lr-sc, RV64):") == true)
    #expect(report.exitCode == 3)
  }

  @Test func aPathThePreprocessorRefusesIsUnknownThereAlone() throws {
    let root = try mutant("era-mainline", header: "atomic.h") { text in
      text.replacingOccurrences(
        of: "#include <linux/types.h>\n",
        with: "#include <linux/types.h>\n#ifdef CONFIG_RISCV_ISA_ZACAS\n#error \"refused here\"\n#endif\n")
    }
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["no-zacas-config", "lr-sc"]) { $0.name == "xchg_relaxed" && $0.bytes == 4 }
    // The configured path is refused by cpp: unknown at the #error's line, not an input error.
    let refused = report.rows.filter { $0.path.name == "lr-sc" }
    #expect(!refused.isEmpty && refused.allSatisfy { $0.verdicts == nil && $0.absent == nil })
    #expect(
      refused.allSatisfy {
        $0.unknown?.contains("atomic.h:21:") == true && $0.unknown?.contains("refused here") == true
      },
      "\(refused.map(\.unknown))")
    // The path without the option is proved as before.
    let other = report.rows.filter { $0.path.name == "no-zacas-config" }
    #expect(!other.isEmpty && other.allSatisfy { $0.verdicts?[.memoryUpdate] == .proved })
    #expect(report.exitCode == 3)
  }

  /// era-mainline with an architecture that gives only the relaxed and fully ordered `fetch_add`,
  /// and a generic layer (`include/linux/atomic.h` and its fallback header, in mainline's layout)
  /// that builds the acquire and release forms from them with `acquire` as its acquire fence.
  func genericLayer(acquire: String) throws -> URL {
    let root = try mutant("era-mainline", header: "atomic.h") { text in
      text.replacingOccurrences(
        of: "\tATOMIC_FETCH_OP(op, asm_op, I, asm_type, c_type, prefix, _acquire, \".aq\")\t\\\n"
          + "\tATOMIC_FETCH_OP(op, asm_op, I, asm_type, c_type, prefix, _release, \".rl\")\t\\\n",
        with: ""
      )
      .replacingOccurrences(
        of: "#include <linux/types.h>\n",
        with:
          "#include <linux/types.h>\n#define __atomic_acquire_fence() __asm__ __volatile__(\"\(acquire)\" ::: \"memory\")\n"
          + "#define __atomic_release_fence() __asm__ __volatile__(\"fence rw, w\" ::: \"memory\")\n")
    }
    let include = root.appendingPathComponent("include/linux")
    try FileManager.default.createDirectory(
      at: include.appendingPathComponent("atomic"), withIntermediateDirectories: true)
    try Data("#include <asm/atomic.h>\n#include <asm/barrier.h>\n#include <linux/atomic/atomic-arch-fallback.h>\n".utf8)
      .write(to: include.appendingPathComponent("atomic.h"))
    let fallback = """
      static __always_inline int raw_atomic_fetch_add_relaxed(int i, atomic_t *v)
      {
      \treturn arch_atomic_fetch_add_relaxed(i, v);
      }
      static __always_inline int raw_atomic_fetch_add_acquire(int i, atomic_t *v)
      {
      \tint ret = arch_atomic_fetch_add_relaxed(i, v);
      \t__atomic_acquire_fence();
      \treturn ret;
      }
      static __always_inline int raw_atomic_fetch_add_release(int i, atomic_t *v)
      {
      \t__atomic_release_fence();
      \treturn arch_atomic_fetch_add_relaxed(i, v);
      }
      static __always_inline int raw_atomic_fetch_add(int i, atomic_t *v)
      {
      \treturn arch_atomic_fetch_add(i, v);
      }

      """
    try Data(fallback.utf8).write(to: include.appendingPathComponent("atomic/atomic-arch-fallback.h"))
    return root
  }

  @Test func theGenericLayerBuildsTheOrderingsTheArchitectureLeavesOut() throws {
    let root = try genericLayer(acquire: "fence r, rw")
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["zacas"]) {
      $0.name.hasPrefix("atomic_fetch_add") || $0.name == "atomic_fetch_sub_acquire"
    }
    #expect(failures(report).isEmpty, "\(failures(report).map(\.1))")
    let rows = Dictionary(uniqueKeysWithValues: report.rows.map { ($0.primitive.name, $0) })
    // Built by the layer: functional obligations and the ordering its fences give.
    #expect(rows["atomic_fetch_add_acquire"]?.verdicts?[.memoryUpdate] == .proved)
    #expect(rows["atomic_fetch_add_acquire"]?.verdicts?[.messagePassingReader] == .proved)
    #expect(rows["atomic_fetch_add_release"]?.verdicts?[.messagePassingWriter] == .proved)
    #expect(rows["atomic_fetch_add"]?.verdicts?[.storeBuffering] == .proved)
    // What neither the architecture nor the layer defines is not provided.
    #expect(rows["atomic_fetch_sub_acquire"]?.absent?.contains("raw_atomic_fetch_sub_acquire") == true)
  }

  @Test func aGenericLayerWithoutItsAcquireFenceFailsMessagePassing() throws {
    let root = try genericLayer(acquire: "")
    defer { try? FileManager.default.removeItem(at: root) }
    let report = try prove(root, paths: ["zacas"]) { $0.name == "atomic_fetch_add_acquire" }
    let failed = failures(report)
    #expect(failed.map(\.0) == [.messagePassingReader], "\(failed.map(\.0))")
    #expect(failed.first?.1.contains("amoadd.w") == true)
  }

  /// The generic layer's atomic_t API as the C tests call it, with `raw_atomic_add_unless` as given.
  func genericAPI(addUnless: String) throws -> URL {
    let root = try genericLayer(acquire: "fence r, rw")
    let fallback = root.appendingPathComponent("include/linux/atomic/atomic-arch-fallback.h")
    let text = try String(contentsOf: fallback, encoding: .utf8)
    let api = """
      static __always_inline int raw_atomic_read(const atomic_t *v)
      {
      \treturn arch_atomic_read(v);
      }
      static __always_inline void raw_atomic_set(atomic_t *v, int i)
      {
      \tarch_atomic_set(v, i);
      }
      static __always_inline int raw_atomic_fetch_add_unless(atomic_t *v, int a, int u)
      {
      \treturn arch_atomic_fetch_add_unless(v, a, u);
      }
      static __always_inline void raw_atomic_inc(atomic_t *v)
      {
      \tarch_atomic_add(1, v);
      }
      static __always_inline bool raw_atomic_add_unless(atomic_t *v, int a, int u)
      {
      \t\(addUnless)
      }
      static __always_inline s64 raw_atomic64_read(const atomic64_t *v)
      {
      \treturn arch_atomic64_read(v);
      }
      static __always_inline void raw_atomic64_inc(atomic64_t *v)
      {
      \tarch_atomic64_add(1, v);
      }

      """
    try Data((text + api).utf8).write(to: fallback)
    // atomic_long_t over the counter of the XLEN, as the layer's atomic-long.h builds it.
    let long = """
      #ifdef CONFIG_64BIT
      typedef atomic64_t atomic_long_t;
      #else
      typedef atomic_t atomic_long_t;
      #endif
      static __always_inline long raw_atomic_long_read(const atomic_long_t *v)
      {
      #ifdef CONFIG_64BIT
      \treturn raw_atomic64_read(v);
      #else
      \treturn raw_atomic_read(v);
      #endif
      }
      static __always_inline void raw_atomic_long_inc(atomic_long_t *v)
      {
      #ifdef CONFIG_64BIT
      \traw_atomic64_inc(v);
      #else
      \traw_atomic_inc(v);
      #endif
      }

      """
    try Data(long.utf8).write(to: root.appendingPathComponent("include/linux/atomic/atomic-long.h"))
    let atomic = root.appendingPathComponent("include/linux/atomic.h")
    let including = try String(contentsOf: atomic, encoding: .utf8) + "#include <linux/atomic/atomic-long.h>\n"
    try Data(including.utf8).write(to: atomic)
    return root
  }

  /// A C int that goes negative, as `atomic_sub_return()` leaves it, written for these tests.
  static let negativeReturn = """
    C negative-return
    {
    }
    P0(atomic_t *c)
    {
    \tint r0;
    \tr0 = atomic_sub_return(1, c);
    }
    exists (0:r0=-1)
    """

  /// An int variable reads as C reads it: its low 32 bits, signed, however the compiled code
  /// leaves the register's upper bits (the `_return` forms compute `fetch - i` as an int, held
  /// zero-extended on RV64). A `_return` form that forgets its operation still fails.
  @Test func anIntIsComparedAtItsOwnWidth() throws {
    let root = try genericAPI(addUnless: "return raw_atomic_fetch_add_unless(v, a, u) != u;")
    defer { try? FileManager.default.removeItem(at: root) }
    let fallback = root.appendingPathComponent("include/linux/atomic/atomic-arch-fallback.h")
    let layer = try String(contentsOf: fallback, encoding: .utf8)
    let subReturn = """
      static __always_inline int raw_atomic_sub_return(int i, atomic_t *v)
      {
      \treturn arch_atomic_sub_return(i, v);
      }

      """
    try Data((layer + subReturn).utf8).write(to: fallback)
    let rows = try suite(root, [("negative", Self.negativeReturn)], paths: ["lr-sc", "zacas"], xlens: [32, 64])
    #expect(rows.count == 4)
    expectProved(rows)
    try rewrite(root, header: "atomic.h") {
      $0.replacingOccurrences(
        of: "\treturn arch_atomic##prefix##_fetch_##op##order(i, v) c_op I;",
        with: "\treturn arch_atomic##prefix##_fetch_##op##order(i, v);")
    }
    let broken = try suite(root, [("negative", Self.negativeReturn)], paths: ["zacas"]).first?.verdict
    guard case .failed(let counterexample)? = broken else {
      Issue.record("not failed: \(String(describing: broken))")
      return
    }
    #expect(counterexample.contains("  0:r0=0\n"), "\(counterexample)")
  }

  /// An increment ordered before a later write by smp_mb__after_atomic(), read in the other order.
  static let incrementThenBarrier = """
    C inc-mb-after-atomic
    {
    }
    P0(int *flag, atomic_t *count)
    {
    \tint r0;
    \tint r1;
    \tr0 = READ_ONCE(*flag);
    \tsmp_rmb();
    \tr1 = atomic_read(count);
    }
    P1(int *flag, atomic_t *count)
    {
    \tatomic_inc(count);
    \tsmp_mb__after_atomic();
    \tWRITE_ONCE(*flag, 1);
    }
    exists (0:r0=1 /\\ 0:r1=0)
    """

  /// A conditional add racing a plain set: the add reads and writes as one.
  static let addUnlessAgainstSet = """
    C add-unless-vs-set
    {
    \tatomic_t c = ATOMIC_INIT(3);
    }
    P0(atomic_t *c)
    {
    \t(void)atomic_add_unless(c, 2, 0);
    }
    P1(atomic_t *c)
    {
    \tatomic_set(c, 0);
    }
    exists (c=5)
    """

  @Test func theSuiteCallsTheAtomicAPIThroughTheTree() throws {
    let root = try genericAPI(addUnless: "return raw_atomic_fetch_add_unless(v, a, u) != u;")
    defer { try? FileManager.default.removeItem(at: root) }
    let rows = try suite(
      root, [("inc", Self.incrementThenBarrier), ("add-unless", Self.addUnlessAgainstSet)], paths: ["zacas"])
    #expect(rows.count == 2)
    for row in rows {
      #expect(row.verdict == .proved, "\(row.test): \(row.verdict.map { "\($0)" } ?? row.skipped ?? "")")
    }
  }

  /// The suite again on `root` after the generic layer's `header` lost the statement `call`.
  func without(
    _ call: String, in header: String, _ root: URL, _ test: (String, String), xlens: [Int] = [64]
  ) throws -> [AtomicsProver.SuiteRow] {
    let file = root.appendingPathComponent("include/linux/atomic/" + header)
    let text = try String(contentsOf: file, encoding: .utf8)
    let lost = text.replacingOccurrences(of: "\t\(call)\n", with: "\t(void)v;\n")
    #expect(lost != text, "\(call) is not in \(header)")
    try Data(lost.utf8).write(to: file)
    return try suite(root, [test], paths: ["zacas"], xlens: xlens)
  }

  @Test func wideCountersCompileThroughTheLayer() throws {
    let root = try genericAPI(addUnless: "return raw_atomic_fetch_add_unless(v, a, u) != u;")
    defer { try? FileManager.default.removeItem(at: root) }
    let wide = Self.incrementThenBarrier.replacingOccurrences(of: "atomic_", with: "atomic64_")
    let long = Self.incrementThenBarrier.replacingOccurrences(of: "atomic_", with: "atomic_long_")
    #expect(wide.contains("atomic64_inc(count)") && long.contains("atomic_long_t *count"))
    let rows = try suite(root, [("inc64", wide), ("inclong", long)], paths: ["zacas"], xlens: [32, 64])
    func row(_ name: String, _ xlen: Int, in rows: [AtomicsProver.SuiteRow]) -> AtomicsProver.SuiteRow? {
      rows.first { $0.file == name && $0.xlen == xlen }
    }
    // atomic64_t: proved on RV64; RV32's is the generic spinlock one, not read, so named.
    #expect(row("inc64", 64, in: rows)?.verdict == .proved, "\(rows)")
    let rv32 = row("inc64", 32, in: rows)
    #expect(rv32?.verdict == nil && rv32?.skipped?.contains("atomic64_") == true, "\(rows)")
    // atomic_long_t: through raw_atomic64_inc on RV64 and raw_atomic_inc on RV32.
    #expect(row("inclong", 64, in: rows)?.verdict == .proved && row("inclong", 32, in: rows)?.verdict == .proved)
    // An increment that reaches nothing, on RV32 only: the reader sees the flag and a counter of 0.
    let lost = try without("raw_atomic_inc(v);", in: "atomic-long.h", root, ("inclong", long), xlens: [32, 64])
    #expect(row("inclong", 64, in: lost)?.verdict == .proved, "\(lost)")
    // And on RV64, through the 64-bit add both calls reach.
    let lost64 = try without("arch_atomic64_add(1, v);", in: "atomic-arch-fallback.h", root, ("inc64", wide))
    // A tree whose layout has no atomic-long.h does not provide the type: named, not compiled.
    let older = try suite(Self.corpus.appendingPathComponent("era-mainline"), [("inclong", long)], paths: ["zacas"])
    #expect(older.first?.skipped == "atomic_long_read: the tree defines no atomic_long_t", "\(older)")
    for (name, broken, xlen) in [("inclong", lost, 32), ("inc64", lost64, 64)] {
      guard case .failed(let counterexample)? = row(name, xlen, in: broken)?.verdict else {
        Issue.record("\(name) not failed on RV\(xlen): \(broken)")
        continue
      }
      #expect(counterexample.contains("0:r0=1 0:r1=0") && !counterexample.contains("amoadd"), "\(counterexample)")
    }
  }

  /// `atomic_add_unless`'s value: false where the counter holds the stopping value, true where it
  /// adds, written for these tests.
  static let addUnlessValue = """
    C add-unless-value
    {
    \tatomic_t c = ATOMIC_INIT(5);
    \tatomic_t d = ATOMIC_INIT(3);
    }
    P0(atomic_t *c, atomic_t *d)
    {
    \tint r0 = atomic_add_unless(c, 1, 5);
    \tint r1 = atomic_add_unless(d, 1, 5);
    }
    locations [0:r0; 0:r1; c; d]
    exists (0:r0=1)
    """

  /// The tree's `!= u` becomes `xor` and `sltu` without a branch, and the value is what the LKMM
  /// says; a tree whose `atomic_add_unless` answers `== u` fails with the values swapped.
  @Test func addUnlessGivesItsValue() throws {
    let root = try genericAPI(addUnless: "return raw_atomic_fetch_add_unless(v, a, u) != u;")
    defer { try? FileManager.default.removeItem(at: root) }
    let rows = try suite(root, [("value", Self.addUnlessValue)], paths: ["lr-sc", "zacas"], xlens: [32, 64])
    #expect(rows.count == 4 && rows.allSatisfy { $0.verdict == .proved }, "\(rows)")
    let inverted = try genericAPI(addUnless: "return raw_atomic_fetch_add_unless(v, a, u) == u;")
    defer { try? FileManager.default.removeItem(at: inverted) }
    let wrong = try suite(inverted, [("value", Self.addUnlessValue)], paths: ["zacas"])
    guard case .failed(let counterexample)? = wrong.first?.verdict else {
      Issue.record("not failed: \(wrong)")
      return
    }
    #expect(
      counterexample.contains("0:r0=1 0:r1=0") && counterexample.contains("sltiu "),
      "\(counterexample)")
  }

  @Test func anAddUnlessThatIsNotAtomicFailsTheSuite() throws {
    // Read, then set: atomic_set() can land between the two, and c ends at 5.
    let root = try genericAPI(
      addUnless: """
        int t;
        \t__asm__ __volatile__ ("lw %0, 0(%1)\\n\\tadd %0, %0, %2\\n\\tsw %0, 0(%1)"
        \t\t: "=&r" (t) : "r" (&v->counter), "r" (a) : "memory");
        \treturn 1;
        """)
    defer { try? FileManager.default.removeItem(at: root) }
    let rows = try suite(root, [("add-unless", Self.addUnlessAgainstSet)], paths: ["zacas"])
    guard case .failed(let counterexample)? = rows.first?.verdict else {
      Issue.record("not failed: \(rows)")
      return
    }
    #expect(counterexample.contains("c=5") && counterexample.contains("lw ") && !counterexample.contains("lr.w"))
    // A call the tree does not define is named, not proved.
    let missing = try suite(
      root, [("I", "C I\n{}\nP0(atomic_t *v)\n{\n\tatomic_dec(v);\n}\nexists (v=1)\n")], paths: ["zacas"])
    #expect(missing.first?.verdict == nil && missing.first?.skipped?.contains("raw_atomic_dec") == true, "\(missing)")
    // A call on a value the test computes is not compiled either: the wrapper holds constants only.
    let computed = try suite(
      root,
      [
        ("A", "C A\n{}\nP0(atomic_t *v)\n{\n\tint r0;\n\tr0 = atomic_read(v);\n\tatomic_add(r0, v);\n}\nexists (v=0)\n")
      ],
      paths: ["zacas"])
    #expect(computed.first?.skipped == "atomic_add of other than one location and constants", "\(computed)")
  }

  @Test func rv32TakesTheGenericAtomic64TheArchitectureSelects() throws {
    // The fixture, like the kernel's header, stops with #error on RV32 unless the generic 64-bit
    // atomics are configured; the prover configures them as the Kconfig does, and does not read them.
    let rv32 = try prove(Self.corpus.appendingPathComponent("era-mainline"), paths: ["lr-sc"], xlen: 32) {
      $0.name == "atomic64_fetch_add" || $0.name == "atomic_fetch_add"
    }
    #expect(rv32.rows.first { $0.primitive.name == "atomic64_fetch_add" }?.absent != nil)
    #expect(rv32.rows.first { $0.primitive.name == "atomic_fetch_add" }?.verdicts?[.memoryUpdate] == .proved)
    #expect(rv32.rows.allSatisfy { $0.unknown == nil } && rv32.exitCode == 0)
  }

  @Test func notATreeIsAnInputError() {
    do {
      _ = try AtomicsProver(root: "/nonexistent-tree").prove()
      Issue.record("a missing tree was proved")
    } catch {
      #expect(error.message.contains("no arch/riscv/include/asm/cmpxchg.h"))
    }
  }

  @Test func sizesATreeRefusesAreNotProvided() throws {
    let report = try prove(Self.corpus.appendingPathComponent("era-fenced-lrsc"), paths: ["lr-sc"]) {
      $0.operation == .xchg && $0.ordering == .relaxed && !$0.signed
    }
    // BUILD_BUG() for bytes and halfwords; the words and doublewords are proved.
    #expect(report.rows.filter { $0.absent?.contains("BUILD_BUG") == true }.map(\.primitive.bytes) == [1, 2])
    #expect(report.rows.filter { $0.verdicts != nil }.map(\.primitive.bytes) == [4, 8])
    let rv32 = try prove(Self.corpus.appendingPathComponent("era-fenced-lrsc"), paths: ["lr-sc"], xlen: 32) {
      $0.operation == .xchg && $0.ordering == .relaxed && !$0.signed && $0.bytes == 8
    }
    #expect(rv32.rows.first?.absent?.contains("64-bit operand in one 32-bit register") == true)
  }
}
