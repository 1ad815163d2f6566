import Foundation
import Testing

@Suite struct LitmusCLITests {
  static let corpus = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("corpus/litmus")

  /// A folder stands for its .litmus tests; an empty or missing one is an input error.
  @Test func aFolderOfTests() throws {
    let result = try BinaryRunner.run(["litmus", Self.corpus.path, "--format", "json"])
    #expect(result.status == 0, "\(result.error)")
    let tests = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]])
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { $0.hasSuffix(".litmus") }
    #expect(tests.count == files.count)
    let empty = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-litmus-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: empty) }
    let none = try BinaryRunner.run(["litmus", empty.path])
    #expect(none.status == 2 && none.error.contains("no .litmus tests in this folder"), "\(none.error)")
  }

  /// Hostile litmus files end in a located error or an unknown under the budget: never a crash,
  /// a hang or a confident verdict.
  @Test func hostileTestsAreErrorsOrUnknown() throws {
    let base = try String(contentsOf: Self.corpus.appendingPathComponent("LB+amocas.litmus"), encoding: .utf8)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-hostile-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let row = " sw x5,0(x7)         | sw x5,0(x7)         ;"
    let cases: [(name: String, text: String, status: Int32, message: String)] = [
      (
        "deep",
        base.replacingOccurrences(
          of: "exists (0:a0=1 /\\ 1:a0=1)",
          with: "exists " + String(repeating: "(", count: 20_000) + "0:a0=1" + String(repeating: ")", count: 20_000)),
        2, "deep.litmus:12:209: error: the condition nests deeper than 200 levels"
      ),
      (
        "negated",
        base.replacingOccurrences(
          of: "exists (0:a0=1 /\\ 1:a0=1)", with: "exists " + String(repeating: "~", count: 20_000) + "0:a0=1"),
        2, "negated.litmus:12:209: error: the condition nests deeper"
      ),
      (
        "thread", base.replacingOccurrences(of: "0:x5=1;", with: "4294967296:x5=1; 0:x5=1;"), 2,
        "thread.litmus:6:1: error: thread 4294967296 does not exist: the table has 2 threads"
      ),
      (
        "offset", base.replacingOccurrences(of: row, with: " sw x5,100000000000000000000000000000000(x7) | nop ;"), 2,
        "offset.litmus:11:1: error: offset '100000000000000000000000000000000' is not a 12-bit signed immediate"
      ),
      (
        "register", base.replacingOccurrences(of: row, with: " sw x5,0(x7)         | sw x5,0(x99)         ;"), 2,
        "register.litmus:11:23: error: '0(x99)' does not name a register"
      ),
      (
        "rows", base.replacingOccurrences(of: row, with: Array(repeating: row, count: 50).joined(separator: "\n")), 3,
        "LB+amocas: unknown ("
      ),
    ]
    for item in cases {
      let file = folder.appendingPathComponent(item.name + ".litmus")
      try item.text.write(to: file, atomically: true, encoding: .utf8)
      let result = try BinaryRunner.run(["litmus", file.path, "--budget", "3s"])
      #expect(result.status == item.status, "\(item.name): \(result.output) \(result.error)")
      #expect((result.error + result.output).contains(item.message), "\(item.name): \(result.error) \(result.output)")
      #expect(!result.output.contains("as stated"), "\(item.name)")
    }
  }

  @Test func verdictsAndExitStatus() throws {
    let file = Self.corpus.appendingPathComponent("SB+amocas.aqrl-failing.litmus").path
    let rvwmo = try BinaryRunner.run(["litmus", file, "--states"])
    #expect(rvwmo.status == 0)
    #expect(rvwmo.output.contains("SB+amocas.aqrl-failing: Sometimes"))
    #expect(rvwmo.output.contains("as stated"))
    #expect(rvwmo.output.contains("witness: rf"))
    let sc = try BinaryRunner.run(["litmus", "--model", "sc", "--format", "json", file])
    let reports = try #require(try JSONSerialization.jsonObject(with: Data(sc.output.utf8)) as? [[String: Any]])
    #expect(reports.first?["verdict"] as? String == "Never")
    #expect(reports.first?["stated"] as? String == "Never")
  }

  @Test func aStatedVerdictThatDoesNotHoldIsAViolation() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-litmus-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let wrong = folder.appendingPathComponent("wrong.litmus")
    let text = try String(
      contentsOf: Self.corpus.appendingPathComponent("SB+amocas.aqrl-failing.litmus"), encoding: .utf8
    ).replacingOccurrences(of: "expect rvwmo Sometimes", with: "expect rvwmo Never")
    try Data(text.utf8).write(to: wrong)
    let result = try BinaryRunner.run(["litmus", wrong.path])
    #expect(result.status == 1)
    #expect(result.output.contains("MISMATCH: the file states Never"))

    let broken = folder.appendingPathComponent("broken.litmus")
    try Data("RISCV B\n{ 0:x5=1 }\n P0 ;\n sw x5,0(x6) ;\nexists (x=1 /\\ )".utf8).write(to: broken)
    let bad = try BinaryRunner.run(["litmus", broken.path])
    #expect(bad.status == 2)
    #expect(bad.error.contains("broken.litmus:5:"))
  }
}

@Suite struct KernelLitmusCLITests {
  static let corpus = LitmusCLITests.corpus.deletingLastPathComponent().appendingPathComponent("lkmm")

  static func scratch() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-lkmm-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
  }

  /// C tests take the LKMM by default and herd's `Result:` line is what they are held to: a wrong
  /// one is a mismatch (exit 1).
  @Test func herdsResultLineIsChecked() throws {
    let folder = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let text = try String(contentsOf: Self.corpus.appendingPathComponent("SB+xchgs.litmus"), encoding: .utf8)
      .replacingOccurrences(of: "rvcheck: expect lkmm Never; sc Never", with: "Result: Never")
    try text.write(to: folder.appendingPathComponent("right.litmus"), atomically: true, encoding: .utf8)
    let right = try BinaryRunner.run(["litmus", folder.appendingPathComponent("right.litmus").path])
    #expect(right.status == 0 && right.output.contains("SB+xchgs: Never") && right.output.contains("as stated"))
    try text.replacingOccurrences(of: "Result: Never", with: "Result: Sometimes")
      .write(to: folder.appendingPathComponent("wrong.litmus"), atomically: true, encoding: .utf8)
    let wrong = try BinaryRunner.run(["litmus", folder.appendingPathComponent("wrong.litmus").path])
    #expect(wrong.status == 1 && wrong.output.contains("MISMATCH: the file states Sometimes"), "\(wrong.output)")
    // A word that is no verdict (an author's "Maybe") holds the test to nothing.
    try text.replacingOccurrences(of: "Result: Never", with: "Result: Maybe")
      .write(to: folder.appendingPathComponent("maybe.litmus"), atomically: true, encoding: .utf8)
    let maybe = try BinaryRunner.run(["litmus", folder.appendingPathComponent("maybe.litmus").path])
    #expect(maybe.status == 0 && !maybe.output.contains("MISMATCH") && !maybe.output.contains("as stated"))
  }

  /// A test with far more executions than the budget can count still gets its verdict, with the
  /// counts shown as lower bounds (Never's positive count is exact) and why counting stopped.
  @Test func aVerdictOutlastsItsCount() throws {
    let folder = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    // Nine writes to one location: 9! coherence orders, each an execution.
    let thread = { (n: Int) in
      "P\(n)(int *x)\n{\n" + (1...3).map { "\tWRITE_ONCE(*x, \(3 * n + $0));\n" }.joined() + "}\n"
    }
    let text = "C many\n(* Result: Never *)\n{}\n" + (0..<3).map(thread).joined() + "exists (x=42)\n"
    let file = folder.appendingPathComponent("many.litmus")
    try text.write(to: file, atomically: true, encoding: .utf8)
    let run = try BinaryRunner.run(["litmus", file.path, "--budget", "4s", "--format", "json"])
    #expect(run.status == 0, "\(run.output) \(run.error)")
    let report = try #require(
      (try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [[String: Any]])?.first)
    #expect(report["verdict"] as? String == "Never" && report["agrees"] as? Bool == true, "\(report)")
    #expect(report["countsAreLowerBounds"] as? Bool == true && report["positive"] as? Int == 0)
    #expect((report["incomplete"] as? String)?.hasPrefix("the budget of") == true, "\(report)")
    let text2 = try BinaryRunner.run(["litmus", file.path, "--budget", "4s"])
    #expect(text2.output.contains("executions 0 positive, at least "), "\(text2.output)")
    #expect(text2.output.contains("(counting stopped: the budget of"), "\(text2.output)")
  }

  /// As the kernel's judgelitmus.sh judges: `DATARACE` in the Result line and the model's
  /// `Flag data-race` go together, either without the other is a mismatch, and a verdict that
  /// differs where a race is flagged is forgiven.
  @Test func dataRaceMarkersAreChecked() throws {
    let folder = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    func run(_ name: String, result: String, release: Bool) throws -> (status: Int32, output: String) {
      let text = """
        C \(name)
        (* Result: \(result) *)
        {}
        P0(int *x, int *y)
        {
          *x = 1;
          \(release ? "smp_store_release(y, 1);" : "WRITE_ONCE(*y, 1);")
        }
        P1(int *x, int *y)
        {
          int r0;
          int r1 = 0;
          r0 = smp_load_acquire(y);
          if (r0)
            r1 = *x;
        }
        exists (1:r0=1 /\\ 1:r1=0)
        """
      let file = folder.appendingPathComponent("\(name).litmus")
      try text.write(to: file, atomically: true, encoding: .utf8)
      let run = try BinaryRunner.run(["litmus", file.path])
      return (run.status, run.output)
    }
    let predicted = try run("predicted", result: "Sometimes DATARACE", release: false)
    #expect(predicted.status == 0 && predicted.output.contains("Flag data-race"), "\(predicted.output)")
    #expect(predicted.output.contains("as stated"))
    let forgiven = try run("forgiven", result: "Never DATARACE", release: false)
    #expect(
      forgiven.status == 0 && forgiven.output.contains("forgiven: the test has a data race"), "\(forgiven.output)")
    let unpredicted = try run("unpredicted", result: "Sometimes", release: false)
    #expect(unpredicted.status == 1 && unpredicted.output.contains("that the file does not predict"))
    let unmodelled = try run("unmodelled", result: "Never DATARACE", release: true)
    #expect(unmodelled.status == 1 && unmodelled.output.contains("the file predicts a data race (DATARACE)"))
    #expect(!unmodelled.output.contains("Flag data-race"))
    let clean = try run("clean", result: "Never", release: true)
    #expect(clean.status == 0 && clean.output.contains("as stated") && !clean.output.contains("Flag"))
  }

  /// The corpus's C tests, JSON and graphs; RVWMO is refused for a C test with a clear error.
  @Test func corpusJSONAndGraphs() throws {
    let folder = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try BinaryRunner.run([
      "litmus", Self.corpus.path, "--format", "json", "--graphs", folder.appendingPathComponent("graphs").path,
    ])
    #expect(result.status == 0, "\(result.error)")
    let tests = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]])
    #expect(!tests.isEmpty && tests.allSatisfy { $0["model"] as? String == "lkmm" && $0["stated"] != nil })
    #expect(tests.allSatisfy { ($0["flags"] as? [String]) == [] })
    for test in tests {
      let path = try #require(test["graph"] as? String)
      let dot = try String(contentsOfFile: path, encoding: .utf8)
      #expect(dot.hasPrefix("digraph") && dot.contains("-> ") && dot.contains("cluster_P1"))
    }
    let refused = try BinaryRunner.run([
      "litmus", "--model", "rvwmo", Self.corpus.appendingPathComponent("SB+xchgs.litmus").path,
    ])
    #expect(refused.status == 2 && refused.error.contains("a C test takes lkmm or sc"), "\(refused.error)")
  }
}
