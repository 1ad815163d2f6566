import Foundation
import Testing

/// `rvcheck atomics` as a user runs it: the table, the JSON, the exit codes and input errors.
@Suite struct AtomicsCLITests {
  static let era = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("corpus/atomics/era-zacas-zabha")

  @Test func provesAFixtureAndPrintsTheTable() throws {
    let result = try BinaryRunner.run([
      "atomics", Self.era.path, "--xlen", "64", "--path", "lr-sc,zabha-zacas", "--only", "cmpxchg_acquire",
    ])
    #expect(result.status == 0, "\(result.output)\(result.error)")
    #expect(result.output.contains("returns-old"))
    #expect(result.output.contains("cmpxchg_acquire u8"))
    #expect(result.output.contains("16 primitive rows checked"))
  }

  @Test func jsonNamesEachObligationAndAMutantExitsOne() throws {
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-cli-atomics-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: copy) }
    try FileManager.default.copyItem(at: Self.era, to: copy)
    let header = copy.appendingPathComponent("arch/riscv/include/asm/cmpxchg.h")
    let text = try String(contentsOf: header, encoding: .utf8)
    try Data(text.replacingOccurrences(of: "(long)(int)(long), __old", with: "(long), __old").utf8).write(to: header)
    let result = try BinaryRunner.run([
      "atomics", copy.path, "--xlen", "64", "--path", "lr-sc", "--only", "cmpxchg_relaxed", "--format", "json",
    ])
    #expect(result.status == 1)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    #expect(object["schema"] as? String == "rvcheck.atomics")
    let rows = try #require(object["rows"] as? [[String: Any]])
    let u32 = try #require(rows.first { $0["type"] as? String == "u32" })
    let obligations = try #require(u32["obligations"] as? [String: [String: String]])
    #expect(obligations["memory-update"]?["verdict"] == "fails")
    #expect(obligations["returns-old"]?["verdict"] == "proved")
    #expect(obligations["memory-update"]?["counterexample"]?.contains("lr.w") == true)
  }

  @Test func badInputIsAnInputError() throws {
    let missing = try BinaryRunner.run(["atomics", "/nonexistent-tree"])
    #expect(missing.status == 2 && missing.error.contains("no arch/riscv/include/asm/cmpxchg.h"))
    let path = try BinaryRunner.run(["atomics", Self.era.path, "--path", "warp"])
    #expect(path.status == 2 && path.error.contains("no boot path 'warp'"))
    let xlen = try BinaryRunner.run(["atomics", Self.era.path, "--xlen", "128"])
    #expect(xlen.status == 2 && xlen.error.contains("--xlen"))
  }
}
