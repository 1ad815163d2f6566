import Testing

@testable import SpecModel

@Suite struct LemmaTests {
  @Test(arguments: SpecLemmas.all.map(\.name))
  func everyLemmaIsProved(name: String) throws {
    let lemma = try #require(SpecLemmas.all.first { $0.name == name })
    let result = Prover.prove(lemma)
    #expect(result.outcome == .proved, "\(name): \(result.outcome)")
  }

  @Test func cmpxchgWithoutTheSignExtensionPreconditionHasACounterexample() {
    let result = Prover.prove(ZacasLemmas.cmpxchg(width: "w", requireSignExtendedComparand: false))
    guard case .counterexample(let values) = result.outcome else {
      Issue.record("expected a counterexample, got \(result.outcome)")
      return
    }
    #expect(values.contains { $0.hasPrefix("a1 = ") })
  }

  @Test func aFalseLemmaYieldsACounterexample() {
    // False: amocas.w zero-extends its result.
    let lemma = Lemma("false.w-zero-extends", "amocas.w zero-extends", isa: "rv64ima_zacas") { c in
      let s = c.initial("i.")
      let run = try c.run("amocas.w t0, t1, (a0)", from: s, prefix: "r.")
      let loaded = s.memory.load(s.registers[10], bytes: 4)
      return LemmaQuery(
        premises: run.constraints + [!run.final.trap.trapped],
        conclusion: run.final.registers[5] == loaded.zeroExtend(to: 64), witnesses: [("loaded", loaded)])
    }
    guard case .counterexample(let values) = Prover.prove(lemma).outcome else {
      Issue.record("false lemma was not refuted")
      return
    }
    // The loaded word must be negative for the claim to fail.
    #expect(values.count == 1)
  }

  /// The Zabha lemmas are not vacuous: the same statements with one word changed are refuted.
  @Test func falseZabhaStatementsYieldCounterexamples() {
    // False: amomax.h and amomaxu.h always store the same halfword.
    let maximum = Lemma("false.max-same", "amomax.h equals amomaxu.h", isa: "rv64ima_zabha") { c in
      let s = c.initial("i.")
      let signed = try c.run("amomax.h t0, t1, (a0)", from: s, prefix: "s.")
      let unsigned = try c.run("amomaxu.h t0, t1, (a0)", from: s, prefix: "u.")
      let address = s.registers[10]
      return LemmaQuery(
        premises: signed.constraints + unsigned.constraints + [!signed.final.trap.trapped],
        conclusion: signed.final.memory.load(address, bytes: 2) == unsigned.final.memory.load(address, bytes: 2),
        witnesses: [("t1", s.registers[6])])
    }
    // False: amoswap.b leaves memory unchanged whatever rs2 holds.
    let swap = Lemma("false.swap-keeps", "amoswap.b keeps memory", isa: "rv64ima_zabha") { c in
      let s = c.initial("i.")
      let run = try c.run("amoswap.b t0, t1, (a0)", from: s, prefix: "r.")
      let address = s.registers[10]
      return LemmaQuery(
        premises: run.constraints + [!run.final.trap.trapped],
        conclusion: run.final.memory.load(address, bytes: 1) == s.memory.load(address, bytes: 1),
        witnesses: [("t1", s.registers[6])])
    }
    for lemma in [maximum, swap] {
      guard case .counterexample = Prover.prove(lemma).outcome else {
        Issue.record("\(lemma.name) was not refuted")
        continue
      }
    }
  }

  @Test func aLemmaThatCannotRunIsUnknownNotProved() {
    let lemma = Lemma("bad.program", "does not assemble", isa: "rv64ima_zacas") { c in
      _ = try c.run("amocas.w t0, t1, 8(a0)", from: c.initial("i."), prefix: "r.")
      return LemmaQuery(premises: [], conclusion: c.z3.trueFormula, witnesses: [])
    }
    guard case .unknown = Prover.prove(lemma).outcome else {
      Issue.record("a broken lemma must not count as proved")
      return
    }
  }
}
