/// Theorems about the Zacas spec that `rvcheck prove` checks.
public enum ZacasLemmas {
  public static let all: [Lemma] =
    [x0PairRV32, x0PairRV64] + compareIffEqual + narrowResults + orderingIrrelevant + [rdIsRs1, quadHalves]
    + [cmpxchgWord, cmpxchgDouble]

  /// Every register of `after` equals `before`.
  static func registersUnchanged(_ before: MachineState, _ after: MachineState, _ z3: Z3Context) -> Formula {
    z3.all((1..<32).map { after.registers[$0] == before.registers[$0] })
  }

  static func x0Pair(_ isa: String, _ mnemonic: String) -> Lemma {
    Lemma(
      "zacas.x0-destination-pair-writes-no-register.\(isa.prefix(4))",
      "\(mnemonic) with rd = x0 leaves every register unchanged, x1 included", isa: isa
    ) { c in
      let s = c.initial("i.")
      var premises: [Formula] = []
      var conclusion: [Formula] = []
      for (rs2, rs1) in [("zero", "a0"), ("a2", "a0"), ("a2", "ra"), ("ra", "a0")] where rs2 != "ra" {
        let run = try c.run("\(mnemonic) zero, \(rs2), (\(rs1))", from: s, prefix: "\(rs2)\(rs1).")
        premises += run.constraints
        conclusion.append(registersUnchanged(s, run.final, c.z3))
      }
      return LemmaQuery(premises: premises, conclusion: c.z3.all(conclusion), witnesses: [("x1", s.registers[1])])
    }
  }

  static let x0PairRV32 = x0Pair("rv32ima_zacas", "amocas.d")
  static let x0PairRV64 = x0Pair("rv64ima_zacas", "amocas.q")

  /// Memory receives the swap value exactly when all compared bits are equal; otherwise it keeps
  /// the loaded value.
  static let compareIffEqual: [Lemma] = [("amocas.b", 1), ("amocas.h", 2), ("amocas.w", 4), ("amocas.d", 8)].map {
    mnemonic, bytes in
    Lemma(
      "zacas.success-iff-all-compared-bits-equal.\(mnemonic.dropFirst(7))",
      "after \(mnemonic) memory holds the swap value when the loaded value equals rd's low \(bytes * 8) bits, else the loaded value",
      isa: "rv64ima_zacas_zabha"
    ) { c in
      let s = c.initial("i.")
      let run = try c.run("\(mnemonic) t0, t1, (a0)", from: s, prefix: "r.")
      let address = s.registers[10]
      let loaded = s.memory.load(address, bytes: bytes)
      let compare = s.registers[5].truncate(to: bytes * 8)
      let swap = s.registers[6].truncate(to: bytes * 8)
      let expected = (loaded == compare).ite(swap, loaded)
      return LemmaQuery(
        premises: run.constraints + [!run.final.trap.trapped],
        conclusion: run.final.memory.load(address, bytes: bytes) == expected,
        witnesses: [("a0", address), ("t0", s.registers[5]), ("t1", s.registers[6])])
    }
  }

  /// rd receives the loaded value sign-extended, and the upper bits of rd and rs2 never matter.
  static let narrowResults: [Lemma] = [("amocas.b", 1), ("amocas.h", 2), ("amocas.w", 4)].map { mnemonic, bytes in
    Lemma(
      "zacas.narrow-results-sign-extend.\(mnemonic.dropFirst(7))",
      "\(mnemonic) writes the loaded value sign-extended to rd; changing the upper bits of rd and rs2 changes nothing",
      isa: "rv64ima_zacas_zabha"
    ) { c in
      let s = c.initial("i.")
      var t = s
      let width = bytes * 8
      let upperRd = c.z3.bvVariable("upper.rd", width: 64 - width)
      let upperRs2 = c.z3.bvVariable("upper.rs2", width: 64 - width)
      t.set(5, upperRd.concat(s.registers[5].truncate(to: width)))
      t.set(6, upperRs2.concat(s.registers[6].truncate(to: width)))
      let first = try c.run("\(mnemonic) t0, t1, (a0)", from: s, prefix: "a.")
      let second = try c.run("\(mnemonic) t0, t1, (a0)", from: t, prefix: "b.")
      let loaded = s.memory.load(s.registers[10], bytes: bytes)
      let conclusion =
        first.final.registers[5] == loaded.signExtend(to: 64)
        && second.final.registers[5] == first.final.registers[5]
        && second.final.memory.load(s.registers[10], bytes: bytes)
          == first.final.memory.load(s.registers[10], bytes: bytes)
      return LemmaQuery(
        premises: first.constraints + second.constraints + [!first.final.trap.trapped],
        conclusion: conclusion, witnesses: [("t0", s.registers[5]), ("loaded", loaded)])
    }
  }

  /// On one hart aq and rl change nothing: each ordered form reaches the same state as the plain one.
  static let orderingIrrelevant: [Lemma] = ["amocas.w", "amocas.d", "amocas.q"].flatMap { mnemonic in
    [".aq", ".rl", ".aqrl"].map { suffix in
      Lemma(
        "zacas.aq-rl-identical-on-one-hart.\(mnemonic.dropFirst(7))\(suffix)",
        "\(mnemonic)\(suffix) and \(mnemonic) from one state reach the same registers, memory and trap",
        isa: "rv64ima_zacas", profile: .spike
      ) { c in
        let s = c.initial("i.")
        let plain = try c.run("\(mnemonic) a2, a4, (a0)", from: s, prefix: "plain.")
        let ordered = try c.run("\(mnemonic)\(suffix) a2, a4, (a0)", from: s, prefix: "ordered.")
        let probe = c.z3.bvVariable("probe", width: c.xlen)
        let conclusion =
          registersUnchanged(plain.final, ordered.final, c.z3)
          && ordered.final.memory.loadByte(probe) == plain.final.memory.loadByte(probe)
          && ordered.final.trap.trapped.iff(plain.final.trap.trapped)
          && ordered.final.trap.cause == plain.final.trap.cause
          && ordered.final.trap.tval == plain.final.trap.tval
        return LemmaQuery(
          premises: plain.constraints + ordered.constraints, conclusion: conclusion,
          witnesses: [("a0", s.registers[10]), ("probe", probe)])
      }
    }
  }

  /// With rd = rs1, a successful amocas stores at the address rs1 held before rd was written.
  static let rdIsRs1 = Lemma(
    "zacas.rd-equals-rs1-stores-to-original-address",
    "amocas.d a0, a1, (a0) that succeeds stores a1 at the original a0", isa: "rv64ima_zacas"
  ) { c in
    let s = c.initial("i.")
    let run = try c.run("amocas.d a0, a1, (a0)", from: s, prefix: "r.")
    let address = s.registers[10]
    let succeeded = s.memory.load(address, bytes: 8) == address
    return LemmaQuery(
      premises: run.constraints + [!run.final.trap.trapped, succeeded],
      conclusion: run.final.memory.load(address, bytes: 8) == s.registers[11],
      witnesses: [("a0", address)])
  }

  /// amocas.q succeeds exactly when both 64-bit halves match.
  static let quadHalves = Lemma(
    "zacas.q-compares-both-halves", "amocas.q stores the swap pair iff low and high halves both match",
    isa: "rv64ima_zacas"
  ) { c in
    let s = c.initial("i.")
    let run = try c.run("amocas.q a2, a4, (a0)", from: s, prefix: "r.")
    let address = s.registers[10]
    let low = s.memory.load(address, bytes: 8)
    let high = s.memory.load(address + address.constant(8), bytes: 8)
    let both = low == s.registers[12] && high == s.registers[13]
    let stored = run.final.memory.load(address, bytes: 16) == s.registers[15].concat(s.registers[14])
    let kept = run.final.memory.load(address, bytes: 16) == high.concat(low)
    return LemmaQuery(
      premises: run.constraints + [
        !run.final.trap.trapped, s.registers[15].concat(s.registers[14]) != high.concat(low),
      ],
      conclusion: both.iff(stored) && (!both).implies(kept), witnesses: [("a0", address)])
  }

  /// The kernel's LR/SC compare-and-exchange loop, as it runs on one hart.
  static func cmpxchgLoop(_ width: String) -> String {
    """
    retry: lr.\(width) t0, (a0)
      bne t0, a1, done
      sc.\(width) t1, a2, (a0)
      bnez t1, retry
    done: nop
    """
  }

  /// On one hart with a successful SC (the `spike` profile never fails one spuriously), the loop and
  /// `amocas` leave the same result register and memory. For `.w` the comparand must be the
  /// sign-extended word, as `lr.w` loads it: `bne` compares all 64 bits.
  public static func cmpxchg(width: String, requireSignExtendedComparand: Bool) -> Lemma {
    Lemma(
      "zacas.cmpxchg-loop-equals-amocas.\(width)\(requireSignExtendedComparand ? "" : ".without-precondition")",
      "the lr/bne/sc/bnez loop and amocas.\(width) agree on the result register and memory"
        + (requireSignExtendedComparand && width == "w" ? " (comparand sign-extended from 32 bits)" : ""),
      isa: "rv64ima_zacas", profile: .spike
    ) { c in
      let s = c.initial("i.")
      let bytes = width == "w" ? 4 : 8
      let address = s.registers[10]
      let loopPaths = try c.runAll(cmpxchgLoop(width), from: s, prefix: "loop.")
      var cas = s
      cas.set(5, s.registers[11])
      let amocas = try c.run("amocas.\(width) t0, a2, (a0)", from: cas, prefix: "cas.")
      var premises = amocas.constraints + [!amocas.final.trap.trapped]
      if requireSignExtendedComparand && bytes == 4 {
        premises.append(s.registers[11] == s.registers[11].truncate(to: 32).signExtend(to: 64))
      }
      // Each complete path of the loop that ends without a trap must agree with amocas.
      var agreements: [Formula] = []
      var pathPremises: [Formula] = []
      for (number, path) in loopPaths.enumerated() where path.complete {
        let taken = c.z3.boolVariable("path\(number)")
        pathPremises.append(taken.iff(path.condition && !path.final.trap.trapped))
        premises += path.constraints.map(\.formula)
        agreements.append(
          taken.implies(
            path.final.registers[5] == amocas.final.registers[5]
              && path.final.memory.load(address, bytes: bytes) == amocas.final.memory.load(address, bytes: bytes)))
      }
      return LemmaQuery(
        premises: premises + pathPremises, conclusion: c.z3.all(agreements),
        witnesses: [("a0", address), ("a1", s.registers[11]), ("memory", s.memory.load(address, bytes: bytes))])
    }
  }

  static let cmpxchgWord = cmpxchg(width: "w", requireSignExtendedComparand: true)
  static let cmpxchgDouble = cmpxchg(width: "d", requireSignExtendedComparand: true)
}
