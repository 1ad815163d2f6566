import Foundation
import Testing

@testable import DiffCheck
@testable import SpecModel

/// Fake Spikes that fail in each way a real one can: every case gets a classified failure, none a
/// verdict, and the campaign runs to its end.
@Suite struct SpikeFaultTests {
  static let fakes: [(name: String, body: String, expected: String)] = [
    ("exits", "echo 'terminate called after throwing' >&2\nexit 1", "exited with status 1"),
    ("hangs", "exec sleep 1000", "hung"),
    (
      "garbage",
      "for a in \"$@\"; do case $a in +signature=*) echo 'not a signature at all' > \"${a#+signature=}\";; esac; done\necho 'Hello from a fake'",
      "printed garbage"
    ),
    ("silent", "exit 0", "without writing a signature"),
    ("no-dtc", "echo 'Failed to run dtc: No such file or directory' >&2\nexit 1", "device-tree-compiler"),
  ]

  @Test(arguments: fakes.map(\.name))
  func aBrokenSpikeGivesClassifiedFailuresAndTheCampaignGoesOn(name: String) throws {
    let fake = try #require(Self.fakes.first { $0.name == name })
    let folder = try SpikeSupport.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = try SpikeSupport.script(fake.body, in: folder, name: "spike")
    let emulator = SpikeEmulator(executable: path, timeout: .seconds(1))
    var options = CampaignOptions(
      seed: 5, count: 3, length: 6, isa: try ISAString(parsing: "rv64ima_zacas_zabha"), profile: .spike)
    options.batchSize = 256
    let summary = try Campaign(options: options, emulator: emulator).run()
    #expect(summary.programs == 3)
    #expect(summary.findings.isEmpty)
    #expect(summary.emulatorFailures.count == 3)
    for failure in summary.emulatorFailures {
      #expect(failure.contains(fake.expected), "\(failure)")
    }
  }

  @Test func aFakeThatCannotStartIsClassified() {
    let emulator = SpikeEmulator(executable: "/nonexistent/spike", timeout: .seconds(1))
    let isa = try! ISAString(parsing: "rv64ima")
    let outcome = emulator.run([
      EmulatorCase(isa: isa, words: [0x13], initial: SpikeSupport.state(), memoryMap: .standard(xlen: 64))
    ])[0]
    guard case .failed(let reason) = outcome else {
      Issue.record("expected a failure, got \(outcome)")
      return
    }
    #expect(reason.contains("could not start"))
  }
}
