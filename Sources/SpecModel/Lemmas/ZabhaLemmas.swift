/// Theorems about Zabha's byte and halfword AMOs that `rvcheck prove` checks.
public enum ZabhaLemmas {
  public static let all: [Lemma] = narrowAMOResults + swapOfEqualValue + [signedAndUnsignedMaximum]

  static let widths: [(suffix: String, bytes: Int)] = [("b", 1), ("h", 2)]
  static let operations = ["amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin", "amomax", "amominu", "amomaxu"]

  /// Each byte and halfword AMO writes the loaded value sign-extended to rd; rs2's bits above the
  /// width change nothing; the bytes beside the access keep their values.
  static let narrowAMOResults: [Lemma] = widths.flatMap { width in
    operations.map { operation in
      let mnemonic = "\(operation).\(width.suffix)"
      return Lemma(
        "zabha.result-sign-extends-and-upper-bits-ignored.\(mnemonic)",
        "\(mnemonic) writes the loaded value sign-extended to rd, ignores rs2's upper bits, and leaves the bytes beside it alone",
        isa: "rv64ima_zabha"
      ) { c in
        let s = c.initial("i.")
        var t = s
        let bits = width.bytes * 8
        t.set(6, c.z3.bvVariable("upper.rs2", width: 64 - bits).concat(s.registers[6].truncate(to: bits)))
        let first = try c.run("\(mnemonic) t0, t1, (a0)", from: s, prefix: "a.")
        let second = try c.run("\(mnemonic) t0, t1, (a0)", from: t, prefix: "b.")
        let address = s.registers[10]
        let before = address - address.constant(1)
        let after = address + address.constant(UInt64(width.bytes))
        let conclusion =
          first.final.registers[5] == s.memory.load(address, bytes: width.bytes).signExtend(to: 64)
          && second.final.registers[5] == first.final.registers[5]
          && second.final.memory.load(address, bytes: width.bytes)
            == first.final.memory.load(address, bytes: width.bytes)
          && first.final.memory.loadByte(before) == s.memory.loadByte(before)
          && first.final.memory.loadByte(after) == s.memory.loadByte(after)
        return LemmaQuery(
          premises: first.constraints + second.constraints + [!first.final.trap.trapped],
          conclusion: conclusion, witnesses: [("a0", address), ("t1", s.registers[6])])
      }
    }
  }

  /// An amoswap whose rs2 holds, at its width, the value memory holds leaves memory as it was.
  static let swapOfEqualValue: [Lemma] = widths.map { width in
    let mnemonic = "amoswap.\(width.suffix)"
    return Lemma(
      "zabha.swap-of-equal-value-keeps-memory.\(mnemonic)",
      "\(mnemonic) with rs2's low \(width.bytes * 8) bits equal to memory leaves memory unchanged",
      isa: "rv64ima_zabha"
    ) { c in
      let s = c.initial("i.")
      let run = try c.run("\(mnemonic) t0, t1, (a0)", from: s, prefix: "r.")
      let address = s.registers[10]
      let loaded = s.memory.load(address, bytes: width.bytes)
      return LemmaQuery(
        premises: run.constraints + [!run.final.trap.trapped, s.registers[6].truncate(to: width.bytes * 8) == loaded],
        conclusion: run.final.memory.load(address, bytes: width.bytes) == loaded,
        witnesses: [("a0", address), ("t1", s.registers[6])])
    }
  }

  /// amomax.h and amomaxu.h store different values only when the halfwords differ in bit 15: with
  /// equal signs, the signed and unsigned orders agree.
  static let signedAndUnsignedMaximum = Lemma(
    "zabha.max-signed-and-unsigned-differ-only-on-sign.h",
    "amomax.h and amomaxu.h store different halfwords only when memory and rs2 differ in bit 15",
    isa: "rv64ima_zabha"
  ) { c in
    let s = c.initial("i.")
    let signed = try c.run("amomax.h t0, t1, (a0)", from: s, prefix: "s.")
    let unsigned = try c.run("amomaxu.h t0, t1, (a0)", from: s, prefix: "u.")
    let address = s.registers[10]
    let loaded = s.memory.load(address, bytes: 2)
    let operand = s.registers[6].truncate(to: 16)
    let differ = signed.final.memory.load(address, bytes: 2) != unsigned.final.memory.load(address, bytes: 2)
    return LemmaQuery(
      premises: signed.constraints + unsigned.constraints + [!signed.final.trap.trapped],
      conclusion: !differ || loaded.extract(15, 15) != operand.extract(15, 15),
      witnesses: [("loaded", loaded), ("t1", s.registers[6])])
  }
}

/// Every lemma `rvcheck prove` checks.
public enum SpecLemmas {
  public static let all: [Lemma] = ZacasLemmas.all + ZabhaLemmas.all
}
