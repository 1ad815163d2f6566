import DiffCheck
import Foundation
import Testing

@Suite(.enabled(if: (try? SpikeLocator.locate()) != nil, "spike not installed"))
struct SpikeCLITests {
  /// A campaign under a profile Spike disagrees with leaves a replayable case, a standalone ELF and
  /// the Spike command line for every finding.
  @Test func spikeFindingsComeWithAStandaloneELF() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-e2e-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try BinaryRunner.run([
      "fuzz", "--emulator", "spike", "--profile", "access-fault", "--seed", "1", "--count", "30", "--length", "12",
      "--jobs", "1", "--findings", folder.path,
    ])
    #expect(result.status == 1, "\(result.error)")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    let cases = names.filter { $0.hasSuffix(".rvt") }
    #expect(!cases.isEmpty)
    for name in cases {
      let elf = name.replacingOccurrences(of: ".rvt", with: ".elf")
      #expect(names.contains(elf), "\(elf) missing")
      let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
      #expect(text.contains("# standalone on Spike: spike --isa=rv64ima_zacas_zabha_zifencei"))
      let replay = try BinaryRunner.run(["replay", "--emulator", "spike", folder.appendingPathComponent(name).path])
      #expect(replay.status == 0, "\(replay.output)")
    }
    #expect(result.output.contains("standalone on Spike"))
  }
}

@Suite struct MissingSpikeCLITests {
  @Test func aMissingSpikeIsAnInputErrorWithTheInstallHint() throws {
    let result = try BinaryRunner.run(["fuzz", "--emulator", "spike", "--spike", "/nonexistent/spike", "--count", "1"])
    #expect(result.status == 2)
    #expect(result.error.contains("spike not found"))
  }
}
