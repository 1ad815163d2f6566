import DiffCheck
import Foundation
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

@Suite struct NightlyCLITests {
  /// The nightly script refuses what the workflow's inputs must not be, before any set-up: these
  /// values reach it from whoever can start the workflow.
  @Test(arguments: [
    (["--budget", "30m; rm -rf /"], "--budget '30m; rm -rf /' is not a duration"),
    (["--budget", "$(id)"], "is not a duration"),
    (["--kernel-repository", "http://example.invalid/linux", "--kernel-ref", "master"], "is not an https:// URL"),
    (["--kernel-repository", "https://example.invalid/linux", "--kernel-ref", "-x"], "is not a branch or tag name"),
    (["--kernel-repository", "https://example.invalid/linux", "--kernel-ref", "a..b"], "is not a branch or tag name"),
    (["--kernel-ref", "master"], "go together"),
    (["--emulators", "spike;id"], "unknown emulator"),
    (["--shard", "4", "--shards", "4"], "is not below --shards 4"),
  ])
  func theNightlyScriptRefusesBadInputs(arguments: [String], message: String) throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("scripts/nightly")
    let result = try BinaryRunner.run(script, arguments + ["--out", Self.scratch().path])
    #expect(result.status == 2, "\(result.output)")
    #expect(result.error.contains(message), "\(result.error)")
    #expect(!result.output.contains("Building"))
  }

  static func scratch() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-nightly-\(UUID().uuidString)")
  }

  static func caseFiles(_ folder: URL) -> [URL] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".rvt") }
      .map { folder.appendingPathComponent($0) }
  }

  /// Programs of the interrupted campaign: enough that it is still running when its first finding
  /// is on disk, however fast the loop has become.
  static let sigtermCount = 5000

  /// SIGTERM in the middle of a campaign on a buggy emulator: the run ends within seconds, every
  /// finding is on disk complete and replayable, the summary says where it stopped, and --resume
  /// finishes the range.
  @Test func sigtermLeavesEveryFindingOnDiskAndResumeFinishes() throws {
    let folder = Self.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let arguments = [
      "fuzz", "--seed", "1", "--count", "\(Self.sigtermCount)", "--length", "12", "--mutant", "w-not-sign-extended",
      "--findings", folder.path, "--quiet",
    ]
    let outputFile = folder.deletingLastPathComponent().appendingPathComponent(folder.lastPathComponent + ".out")
    defer { try? FileManager.default.removeItem(at: outputFile) }
    _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
    let process = Process()
    process.executableURL = BinaryRunner.executable
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: outputFile)
    process.standardError = FileHandle.nullDevice
    try process.run()
    let waitLimit = Date().addingTimeInterval(180)
    while Self.caseFiles(folder).isEmpty && process.isRunning && Date() < waitLimit { usleep(50_000) }
    #expect(process.isRunning, "the campaign ended before a finding appeared")
    process.terminate()
    let stopped = Date()
    while process.isRunning && Date().timeIntervalSince(stopped) < 30 { usleep(20_000) }
    let took = Date().timeIntervalSince(stopped)
    #expect(!process.isRunning)
    #expect(took < 5, "took \(took) s to stop")
    #expect(process.terminationStatus == 1)
    let output = try String(contentsOf: outputFile, encoding: .utf8)
    #expect(output.contains("stopped            interrupted by a signal"), "\(output)")
    let files = Self.caseFiles(folder)
    #expect(!files.isEmpty)
    for file in files {
      let testCase = try CorpusCase(parsing: String(contentsOf: file, encoding: .utf8), file: file.path)
      #expect(testCase.mutant == .wordNotSignExtended)
      let report = try Replayer(emulator: BuiltinEmulator()).replay(testCase)
      #expect(report.passed, "\(file.lastPathComponent): \(report.problems)")
    }
    let state = try CampaignState.load(folder.appendingPathComponent("campaign-state.json"))
    #expect(state.done.count < Self.sigtermCount)

    let resumed = try BinaryRunner.run(arguments + ["--resume"])
    #expect(resumed.status == 1)
    let final = try CampaignState.load(folder.appendingPathComponent("campaign-state.json"))
    #expect(final.done == IndexSet(integersIn: 0..<Self.sigtermCount))
    #expect(final.totals.programs + final.totals.unprepared.count == Self.sigtermCount)
    #expect(!resumed.output.contains("stopped"))
  }

  /// A second SIGTERM does not wait for the finding under way: the process ends at once with the
  /// state saved, every finding on disk is complete, and --resume finishes the range.
  @Test func aSecondSigtermStopsAtOnce() throws {
    let folder = Self.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let arguments = [
      "fuzz", "--seed", "1", "--count", "\(Self.sigtermCount)", "--length", "16", "--mutant", "swap-stored-on-failure",
      "--findings", folder.path, "--quiet",
    ]
    let process = Process()
    process.executableURL = BinaryRunner.executable
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let waitLimit = Date().addingTimeInterval(180)
    while Self.caseFiles(folder).isEmpty && process.isRunning && Date() < waitLimit { usleep(50_000) }
    #expect(process.isRunning, "the campaign ended before a finding appeared")
    process.terminate()
    usleep(100_000)
    process.terminate()
    let stopped = Date()
    while process.isRunning && Date().timeIntervalSince(stopped) < 30 { usleep(20_000) }
    #expect(!process.isRunning)
    #expect(Date().timeIntervalSince(stopped) < 3, "took \(Date().timeIntervalSince(stopped)) s")
    #expect(process.terminationStatus == 1)
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let summary = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    // The first signal cuts shrinking short, so the finding under way may be done before the second
    // signal comes; then the run ends by the first, with its summary. Either way it ends at once.
    let endedBySecond = message.contains("stopped at once by a second signal")
    let endedByFirst = summary.contains("interrupted by a signal")
    #expect(endedBySecond != endedByFirst, "stderr: \(message)\nstdout: \(summary)")
    for file in Self.caseFiles(folder) {
      #expect(throws: Never.self) {
        try CorpusCase(parsing: String(contentsOf: file, encoding: .utf8), file: file.path)
      }
    }
    let resumed = try BinaryRunner.run(arguments + ["--resume"])
    #expect(resumed.status == 1)
    let final = try CampaignState.load(folder.appendingPathComponent("campaign-state.json"))
    #expect(final.done == IndexSet(integersIn: 0..<Self.sigtermCount))
  }

  @Test func resumingADifferentCampaignIsRefused() throws {
    let folder = Self.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let first = try BinaryRunner.run([
      "fuzz", "--seed", "2", "--count", "2", "--length", "6", "--findings", folder.path,
    ])
    #expect(first.status == 0)
    let other = try BinaryRunner.run([
      "fuzz", "--seed", "3", "--count", "2", "--length", "6", "--findings", folder.path, "--resume",
    ])
    #expect(other.status == 2)
    #expect(other.error.contains("campaign-state.json: cannot resume: seed"))
    let missing = try BinaryRunner.run(["fuzz", "--count", "2", "--resume"])
    #expect(missing.status == 2)
  }

  @Test func shardsOfACampaignAddUpToIt() throws {
    var programs = 0
    for index in 0..<3 {
      let result = try BinaryRunner.run([
        "fuzz", "--seed", "4", "--count", "10", "--length", "6", "--shard", "\(index)/3", "--format", "json", "--quiet",
      ])
      let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
      #expect(object["shard"] as? String == "\(index)/3")
      programs += (object["programs"] as? Int ?? 0) + (object["notPrepared"] as? Int ?? 0)
    }
    #expect(programs == 10)
    let bad = try BinaryRunner.run(["fuzz", "--shard", "3/3"])
    #expect(bad.status == 2)
  }

  @Test func aTimeBudgetEndsTheRunEarly() throws {
    // More programs than any build on any machine checks in the budget: an optimised build does
    // 100,000 short programs in less than three seconds.
    let result = try BinaryRunner.run([
      "fuzz", "--seed", "1", "--count", "100000000", "--length", "8", "--time-budget", "3s", "--format", "json",
      "--quiet",
    ])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    #expect(object["completed"] as? Bool == false)
    #expect(object["stopReason"] as? String == "time budget reached")
    #expect((object["programs"] as? Int ?? 0) < 100_000_000)
    #expect(result.status == 0)
    for bad in ["10x", "m", "-5", "1h-3m"] {
      #expect(try BinaryRunner.run(["fuzz", "--time-budget", bad]).status == 2, "\(bad)")
    }
  }

  /// The JUnit and SARIF reports have the structure their schemas require.
  @Test func junitAndSarifReportsHaveTheirSchemasStructure() throws {
    let folder = Self.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let junit = folder.appendingPathComponent("report.xml")
    let sarif = folder.appendingPathComponent("report.sarif")
    let json = folder.appendingPathComponent("report.json")
    let findings = folder.appendingPathComponent("findings")
    let result = try BinaryRunner.run([
      "fuzz", "--seed", "1", "--count", "20", "--length", "12", "--mutant", "swap-stored-on-failure", "--findings",
      findings.path, "--junit", junit.path, "--sarif", sarif.path, "--report-json", json.path, "--quiet",
    ])
    #expect(result.status == 1)

    // JUnit: testsuites > testsuite > testcase, counts that match the children.
    let document = try XMLDocument(contentsOf: junit)
    let root = try #require(document.rootElement())
    #expect(root.name == "testsuites")
    let suites = root.elements(forName: "testsuite")
    #expect(suites.count == 1)
    let suite = try #require(suites.first)
    let cases = suite.elements(forName: "testcase")
    #expect(Int(suite.attribute(forName: "tests")?.stringValue ?? "") == cases.count)
    let failed = cases.filter { !$0.elements(forName: "failure").isEmpty }
    #expect(Int(suite.attribute(forName: "failures")?.stringValue ?? "") == failed.count)
    #expect(!failed.isEmpty)
    #expect(failed.contains { $0.attribute(forName: "name")?.stringValue?.hasPrefix("amocas") == true })
    for testCase in cases {
      #expect(testCase.attribute(forName: "name")?.stringValue?.isEmpty == false)
      #expect(testCase.attribute(forName: "classname")?.stringValue?.isEmpty == false)
      #expect(Double(testCase.attribute(forName: "time")?.stringValue ?? "") != nil)
    }
    for failure in failed.flatMap({ $0.elements(forName: "failure") }) {
      #expect(failure.attribute(forName: "message")?.stringValue?.isEmpty == false)
      #expect(failure.stringValue?.contains("program") == true)
    }

    // SARIF 2.1.0: version, schema, a driver with rules, results that name known rules and files.
    let log = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: sarif)) as? [String: Any])
    #expect(log["version"] as? String == "2.1.0")
    #expect((log["$schema"] as? String)?.contains("sarif-2.1.0") == true)
    let runs = try #require(log["runs"] as? [[String: Any]])
    let driver = try #require((runs.first?["tool"] as? [String: Any])?["driver"] as? [String: Any])
    #expect(driver["name"] as? String == "rvcheck")
    let ruleIDs = Set(((driver["rules"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
    let results = try #require(runs.first?["results"] as? [[String: Any]])
    #expect(!results.isEmpty)
    for entry in results {
      let ruleID = try #require(entry["ruleId"] as? String)
      #expect(ruleIDs.contains(ruleID))
      #expect(["error", "warning", "note"].contains(entry["level"] as? String ?? ""))
      #expect(((entry["message"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
      let location = (entry["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
      let uri = try #require((location?["artifactLocation"] as? [String: Any])?["uri"] as? String)
      #expect(FileManager.default.fileExists(atPath: uri))
      #expect(((location?["region"] as? [String: Any])?["startLine"] as? Int ?? 0) >= 1)
    }

    let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
    #expect(summary["schema"] as? String == "rvcheck.fuzz-summary")
    #expect(summary["completed"] as? Bool == true)
    #expect((summary["findings"] as? [[String: Any]])?.isEmpty == false)
  }
}
