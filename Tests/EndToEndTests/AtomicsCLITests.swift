import Foundation
import Testing

/// `rvcheck atomics` as a user runs it: the table, the JSON, the exit codes and input errors.
@Suite struct AtomicsCLITests {
  static let era = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("corpus/atomics/era-zacas-zabha")

  /// A scratch folder holding a copy of the era fixture as `tree`, its cmpxchg.h changed by `change`.
  static func mutatedTree(_ change: (String) -> String) throws -> (work: URL, tree: URL) {
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-cli-atomics-\(UUID().uuidString)")
    let tree = work.appendingPathComponent("tree")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: era, to: tree)
    let header = tree.appendingPathComponent("arch/riscv/include/asm/cmpxchg.h")
    let text = try String(contentsOf: header, encoding: .utf8)
    let changed = change(text)
    #expect(changed != text, "the mutation changed nothing")
    try Data(changed.utf8).write(to: header)
    return (work, tree)
  }

  @Test func provesAFixtureAndPrintsTheTable() throws {
    let result = try BinaryRunner.run([
      "atomics", Self.era.path, "--xlen", "64", "--path", "lr-sc,zabha-zacas", "--only", "cmpxchg_acquire",
    ])
    #expect(result.status == 0, "\(result.output)\(result.error)")
    #expect(result.output.contains("returns-old"))
    #expect(
      result.output.split(separator: "\n").contains {
        $0.hasPrefix("cmpxchg_acquire ") && $0.split(separator: " ").dropFirst().first == "u8"
      })
    #expect(result.output.contains("16 primitive rows checked"))
  }

  /// `--shapes` narrows the ordering obligations (none: only the functional ones); a name that
  /// is no shape is an input error that lists them.
  @Test func shapesChooseTheOrderingObligations() throws {
    func obligations(_ shapes: String) throws -> [Set<String>] {
      let result = try BinaryRunner.run([
        "atomics", Self.era.path, "--xlen", "64", "--path", "zacas", "--only", "cmpxchg_acquire", "--shapes", shapes,
        "--format", "json",
      ])
      #expect(result.status == 0, "\(result.error)")
      let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
      let rows = try #require(object["rows"] as? [[String: Any]])
      return rows.compactMap { ($0["obligations"] as? [String: Any]).map { Set($0.keys) } }
    }
    let functional: Set<String> = ["returns-old", "memory-update", "neighbours-kept", "no-trap"]
    let chosen = try obligations("SB,MP-reader")
    #expect(!chosen.isEmpty && chosen.allSatisfy { $0.isSubset(of: functional.union(["SB", "MP-reader"])) })
    #expect(chosen.contains { $0.contains("SB") && $0.contains("MP-reader") })
    #expect(try obligations("none").allSatisfy { $0 == functional })
    let wrong = try BinaryRunner.run(["atomics", Self.era.path, "--shapes", "SB,SBX"])
    #expect(wrong.status == 2 && wrong.error.contains("no ordering shape 'SBX' (shapes: MP-writer, MP-reader, SB"))
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

  /// A C test compiled on some boot paths only: the report names the others and why, and the
  /// count line says the test is partly compiled; on the paths that compile it, no such line.
  @Test func aTestNotCompiledOnSomePathsSaysWhere() throws {
    let corpus = Self.era.deletingLastPathComponent()
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-cli-lock-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: work) }
    let tree = work.appendingPathComponent("tree")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: corpus.appendingPathComponent("era-mainline"), to: tree)
    // v6.13's lock over the generic atomic layer, as the prover's tests lay them.
    for (overlay, under) in [("generic-ticket-lock", "include/linux"), ("combined-lock", "")] {
      let root = corpus.appendingPathComponent(overlay)
      let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? []
      for file in files where !file.hasDirectoryPath {
        let relative = String(file.path.dropFirst(root.path.count + 1))
        guard relative.hasPrefix(under) else { continue }
        let target = tree.appendingPathComponent(relative)
        try FileManager.default.createDirectory(
          at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(at: file, to: target)
      }
    }
    let tests = work.appendingPathComponent("tests")
    try FileManager.default.createDirectory(at: tests, withIntermediateDirectories: true)
    try """
    C MP+lock
    {}
    P0(int *x, int *y, spinlock_t *l)
    {
    \tWRITE_ONCE(*x, 1);
    \tspin_lock(l);
    \tWRITE_ONCE(*y, 1);
    \tspin_unlock(l);
    }
    P1(int *x, int *y, spinlock_t *l)
    {
    \tint r0;
    \tint r1;
    \tspin_lock(l);
    \tr0 = READ_ONCE(*y);
    \tspin_unlock(l);
    \tr1 = READ_ONCE(*x);
    }
    exists (1:r0=1 /\\ 1:r1=0)
    """.write(to: tests.appendingPathComponent("MP+lock.litmus"), atomically: true, encoding: .utf8)
    func run(_ paths: String) throws -> String {
      let result = try BinaryRunner.run([
        "atomics", tree.path, "--xlen", "64", "--path", paths, "--only", "xchg_relaxed", "--litmus", tests.path,
      ])
      return result.output
    }
    let both = try run("lr-sc,zabha-zacas")
    #expect(
      both.contains("not compiled MP+lock on zabha-zacas RV64: spin_lock: the boot takes the tree's queued lock"),
      "\(both)")
    #expect(both.contains("1 tests: 1 proved (1 of them not compiled on some boot paths or XLENs)"), "\(both)")
    let one = try run("lr-sc")
    #expect(one.contains("1 tests: 1 proved\n") && !one.contains("not compiled MP+lock"), "\(one)")
  }

  @Test func badInputIsAnInputError() throws {
    let missing = try BinaryRunner.run(["atomics", "/nonexistent-tree"])
    #expect(missing.status == 2 && missing.error.contains("no arch/riscv/include/asm/cmpxchg.h"))
    let path = try BinaryRunner.run(["atomics", Self.era.path, "--path", "warp"])
    #expect(path.status == 2 && path.error.contains("no boot path 'warp'"))
    let xlen = try BinaryRunner.run(["atomics", Self.era.path, "--xlen", "128"])
    #expect(xlen.status == 2 && xlen.error.contains("--xlen"))
  }

  @Test func sarifKtapAndTheReportPageShowAFailure() throws {
    let (work, tree) = try Self.mutatedTree {
      $0.replacingOccurrences(of: "(long)(int)(long), __old", with: "(long), __old")
    }
    defer { try? FileManager.default.removeItem(at: work) }
    let (sarif, ktap, json) = (
      work.appendingPathComponent("atomics.sarif"), work.appendingPathComponent("atomics.ktap"),
      work.appendingPathComponent("atomics.json")
    )
    let arguments = ["atomics", tree.path, "--xlen", "64", "--path", "lr-sc", "--only", "cmpxchg_relaxed"]
    let result = try BinaryRunner.run(arguments + ["--sarif", sarif.path, "--ktap", ktap.path])
    #expect(result.status == 1)
    // SARIF: the failure at the primitive's #define in the tree's header.
    let log = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: sarif)) as? [String: Any])
    let results = try #require(((log["runs"] as? [[String: Any]])?.first?["results"]) as? [[String: Any]])
    #expect(results.count == 1 && results[0]["ruleId"] as? String == "atomics.memory-update")
    let location = try #require(
      (results[0]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
    #expect((location["artifactLocation"] as? [String: String])?["uri"] == "arch/riscv/include/asm/cmpxchg.h")
    let line = try #require((location["region"] as? [String: Int])?["startLine"])
    let text = try String(
      contentsOf: tree.appendingPathComponent("arch/riscv/include/asm/cmpxchg.h"), encoding: .utf8)
    #expect(
      text.split(separator: "\n", omittingEmptySubsequences: false)[line - 1].contains("#define arch_cmpxchg_relaxed"))
    // KTAP: a test per size and sign; the u32 one is not ok, with the obligation before it.
    let tap = try String(contentsOf: ktap, encoding: .utf8)
    #expect(tap.hasPrefix("KTAP version 1\n1..8\n"))
    #expect(tap.contains("# memory-update fails: cmpxchg_relaxed on a u32"))
    #expect(tap.contains("not ok 5 cmpxchg_relaxed(u32) on lr-sc, RV64") && tap.contains("\nok 6 cmpxchg_relaxed(s32)"))
    #expect(tap.components(separatedBy: "not ok").count == 2)
    // The report page: a matrix with the failing cell.
    let report = try BinaryRunner.run(arguments + ["--format", "json"])
    try Data(report.output.utf8).write(to: json)
    let page = work.appendingPathComponent("report.html")
    let built = try BinaryRunner.run(["report", json.path, "--out", page.path])
    #expect(built.status == 0, "\(built.error)")
    let html = try String(contentsOf: page, encoding: .utf8)
    #expect(html.contains("<section id=\"atomics\">") && html.contains("data-status=\"fails\""))
    #expect(html.contains("cmpxchg_relaxed(u32)") && html.contains("memory-update"))
  }

  @Test func compilesTheKernelsLitmusTestsThroughTheTree() throws {
    let corpus = Self.era.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("lkmm")
    let result = try BinaryRunner.run([
      "atomics", Self.era.path, "--xlen", "64", "--path", "zacas", "--only", "xchg_relaxed", "--litmus", corpus.path,
    ])
    #expect(result.status == 0, "\(result.output)\(result.error)")
    #expect(result.output.contains("kernel litmus tests compiled through the tree"))
    #expect(result.output.contains("SB+xchgs") && result.output.contains("7 tests:"), "\(result.output)")
    // A file that is not a C litmus test is an input error naming it.
    let bad = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-bad-\(UUID().uuidString).litmus")
    try Data("C broken\n{\nP0(int *x) {".utf8).write(to: bad)
    defer { try? FileManager.default.removeItem(at: bad) }
    let refused = try BinaryRunner.run(["atomics", Self.era.path, "--xlen", "64", "--litmus", bad.path])
    #expect(refused.status == 2 && refused.error.contains(bad.lastPathComponent), "\(refused.error)")
  }

  @Test func aFailingCompiledTestReachesSarifKtapAndJson() throws {
    // A fully ordered xchg that is relaxed: store buffering through two xchg gets through.
    let (work, tree) = try Self.mutatedTree {
      $0.replacingOccurrences(
        of: "#define arch_xchg(ptr, x)\t\t_arch_xchg(ptr, x, \".rl\", \".aqrl\", \"\", RISCV_FULL_BARRIER, \"\")",
        with: "#define arch_xchg(ptr, x)\t\t_arch_xchg(ptr, x, \"\", \"\", \"\", \"\", \"\")")
    }
    defer { try? FileManager.default.removeItem(at: work) }
    let test = Self.era.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
      "lkmm/SB+xchgs.litmus")
    let sarif = work.appendingPathComponent("out.sarif")
    let ktap = work.appendingPathComponent("out.ktap")
    let result = try BinaryRunner.run([
      "atomics", tree.path, "--xlen", "64", "--path", "zacas", "--only", "cmpxchg128", "--litmus", test.path,
      "--format", "json", "--sarif", sarif.path, "--ktap", ktap.path,
    ])
    #expect(result.status == 1, "\(result.output)\(result.error)")
    let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    let litmus = try #require(object["litmus"] as? [[String: Any]])
    #expect(litmus.first?["verdict"] as? String == "fails" && litmus.first?["test"] as? String == "SB+xchgs")
    let sarifText = try String(contentsOf: sarif, encoding: .utf8)
    #expect(sarifText.contains("atomics.litmus") && sarifText.contains("SB+xchgs.litmus"))
    let ktapText = try String(contentsOf: ktap, encoding: .utf8)
    #expect(ktapText.contains("not ok") && ktapText.contains("litmus SB+xchgs on zacas, RV64"), "\(ktapText)")
    // The report page draws the compiled test under the tree's matrix, failing, with what it reached.
    let json = work.appendingPathComponent("atomics.json")
    try Data(result.output.utf8).write(to: json)
    let page = work.appendingPathComponent("report.html")
    let built = try BinaryRunner.run(["report", json.path, "--out", page.path])
    #expect(built.status == 0, "\(built.error)")
    let html = try String(contentsOf: page, encoding: .utf8)
    let table = try #require(html.range(of: "<table class=\"atomics-litmus\"").map { html[$0.lowerBound...] })
    #expect(table.contains("<td>SB+xchgs</td>") && table.contains("<th>zacas RV64</th>"))
    #expect(table.contains("data-status=\"fails\"><details><summary>fails</summary><p>"))
  }
}
