import Testing

@testable import DiffCheck
@testable import SpecModel

/// How the oracle aims each amocas at its target, and when it gives a target up.
@Suite struct OracleAimingTests {
  /// An amocas.q with an odd rs2 is a reserved encoding, illegal under Spike's profile whatever the
  /// registers and memory hold. Its compare target is out of reach: once a run shows the trap, the
  /// target is dropped rather than patched and run again (two more patches and reruns before).
  @Test func aTargetThatTrapsWhateverItsValuesIsNotPatchedAgain() throws {
    let configuration = MachineConfiguration(isa: try ISAString(parsing: "rv64ima_zacas"), profile: .spike)
    #expect(configuration.profile.oddPair == [.illegalInstruction])
    let oracle = Oracle(configuration: configuration)
    let reserved = Instruction(InstructionTable.named("amocas.q"), rd: 20, rs1: 10, rs2: 11)
    let program = GeneratedProgram(instructions: [reserved], baseRegisters: [10], trapCandidate: nil)
    for seed in UInt64(0)..<20 {
      var random = SeededRandom(seed: seed)
      let prepared = oracle.prepare(program, &random)
      #expect(prepared.infeasibleTargets == 1)
      // At most the one made during the first run, before the step showed its trap.
      #expect(prepared.patches <= 1, "seed \(seed): \(prepared.patches) patches")
    }
  }
}
