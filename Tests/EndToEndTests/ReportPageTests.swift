import Foundation
import Testing

/// Headless Chromium, which renders the report page as a person's browser would.
enum Chromium {
  static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  /// Runs Chromium headless on `page`; returns standard output and standard error.
  static func run(_ arguments: [String], page: URL) throws -> (output: String, errors: String) {
    let result = try BinaryRunner.run(
      URL(fileURLWithPath: path!),
      ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]
        + arguments + [page.absoluteString])
    return (result.output, result.error)
  }
}

@Suite struct ChromiumInstallationTests {
  @Test func chromiumIsInstalledWhereCIRequiresIt() {
    if Chromium.path != nil { return }
    if ProcessInfo.processInfo.environment["CI"] == "true" {
      Issue.record("CI=true but chromium was not found; scripts/setup installs Debian's chromium")
    } else {
      print("note: chromium not found, the report page's rendering test is skipped")
    }
  }
}

@Suite(.enabled(if: Chromium.path != nil, "chromium not installed"))
struct ReportPageTests {
  static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// Two nights of two runs each (the built-in emulator and a mutant that finds bugs), findings
  /// folders, a policy report and a litmus report, made by rvcheck itself.
  static func fixtures(in folder: URL) throws -> (inputs: [String], summaries: [[String: Any]], policy: [String: Any]) {
    var inputs: [String] = []
    var summaries: [[String: Any]] = []
    for (night, date) in ["2026-11-01T02:17:00Z", "2026-11-02T02:17:00Z"].enumerated() {
      for (run, extra) in [[], ["--mutant", "swap-stored-on-failure"]].enumerated() {
        let json = folder.appendingPathComponent("report-\(night)-\(run).json")
        let result = try BinaryRunner.run(
          [
            "fuzz", "--seed", "\(night + 1)", "--count", "40", "--length", "8", "--no-shrink", "--report-json",
            json.path,
            "--findings", folder.appendingPathComponent("findings-\(run)").path,
          ] + extra)
        #expect(result.status == (run == 0 ? 0 : 1), "\(result.output)\(result.error)")
        // The nights are set apart by their dates, as nightly runs are.
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        object["date"] = date
        try JSONSerialization.data(withJSONObject: object).write(to: json)
        summaries.append(object)
        inputs.append(json.path)
      }
    }
    inputs += [folder.appendingPathComponent("findings-1").path]
    let policy = try BinaryRunner.run([
      "policy", package.appendingPathComponent("corpus/kernel/hazard-zacas-disableable").path, "--format", "json",
    ])
    let policyFile = folder.appendingPathComponent("policy-hazard.json")
    try policy.output.write(to: policyFile, atomically: true, encoding: .utf8)
    inputs.append(policyFile.path)
    let litmus = try BinaryRunner.run([
      "litmus", package.appendingPathComponent("corpus/litmus/CoRR+amocas.litmus").path, "--format", "json",
    ])
    let litmusFile = folder.appendingPathComponent("litmus.json")
    try litmus.output.write(to: litmusFile, atomically: true, encoding: .utf8)
    inputs.append(litmusFile.path)
    // A C test whose Result line predicts no race, where the model flags one: it disagrees.
    let racy = folder.appendingPathComponent("racy.litmus")
    try """
    C racy-read
    (* Result: Sometimes *)
    {}
    P0(int *x) { *x = 1; }
    P1(int *x) { int r0 = READ_ONCE(*x); }
    exists (1:r0=1)
    """.write(to: racy, atomically: true, encoding: .utf8)
    let racyReport = try BinaryRunner.run(["litmus", racy.path, "--format", "json"])
    let racyFile = folder.appendingPathComponent("litmus-racy.json")
    try racyReport.output.write(to: racyFile, atomically: true, encoding: .utf8)
    inputs.append(racyFile.path)
    let policyObject = try #require(try JSONSerialization.jsonObject(with: Data(policy.output.utf8)) as? [String: Any])
    return (inputs, summaries, policyObject)
  }

  @Test func thePageRendersWhatTheInputsSay() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let (inputs, summaries, policy) = try Self.fixtures(in: folder)
    let page = folder.appendingPathComponent("report.html")
    let built = try BinaryRunner.run(["report"] + inputs + ["--out", page.path])
    #expect(built.status == 0, "\(built.error)")
    let html = try String(contentsOf: page, encoding: .utf8)
    // Self-contained: no script, nothing fetched.
    #expect(!html.contains("<script"))
    #expect(!html.contains("http://") && !html.contains("https://"))

    let (dom, log) = try Chromium.run(["--dump-dom"], page: page)
    let consoleErrors = log.split(separator: "\n").filter {
      $0.contains("CONSOLE") || $0.contains("Uncaught") || $0.contains("Failed to load resource")
    }
    #expect(consoleErrors.isEmpty, "\(consoleErrors)")

    // The heatmap: one cell per form × outcome × emulator, with the summed counts.
    let cells = Self.attributes(of: "td", in: dom).filter { $0["data-form"] != nil }
    let forms = ["amocas.b", "amocas.h", "amocas.w", "amocas.d", "amocas.q"]
    let outcomes = Set(cells.compactMap { $0["data-outcome"] })
    let emulators = Set(summaries.map { $0["emulator"] as! String })
    #expect(outcomes.count == 14)
    #expect(cells.count == forms.count * outcomes.count * emulators.count)
    var expected: [String: Int] = [:]
    for summary in summaries {
      for cell in summary["coverage"] as! [[String: Any]] {
        let key = "\(summary["emulator"]!)|\(cell["form"]!)|\(cell["outcome"]!)"
        expected[key, default: 0] += (cell["count"] as! NSNumber).intValue
      }
    }
    for cell in cells {
      let key = "\(cell["data-emulator"]!)|\(cell["data-form"]!)|\(cell["data-outcome"]!)"
      if cell["data-count"] == "-" {
        #expect(expected[key] ?? 0 == 0, "\(key) cannot occur but was counted")
      } else {
        #expect(Int(cell["data-count"]!) == expected[key] ?? 0, "\(key)")
      }
    }
    #expect(cells.contains { $0["data-count"] != "-" && $0["data-count"] != "0" })

    // Every finding shows its replay command.
    let findingCount = dom.components(separatedBy: "<details class=\"finding").count - 1
    let replays = dom.components(separatedBy: "class=\"command replay\"").count - 1
    #expect(findingCount > 0)
    #expect(replays == findingCount)
    #expect(dom.components(separatedBy: "rvcheck replay --emulator builtin ").count - 1 >= findingCount)

    // The policy matrix has a row per extension of the fixture, and ZACAS violated with its trace.
    let extensions = (policy["obligations"] as! [[String: Any]]).compactMap { obligation -> String? in
      let name = obligation["name"] as! String
      return name.hasPrefix("no-disable-path.") ? String(name.dropFirst("no-disable-path.".count)) : nil
    }
    #expect(!extensions.isEmpty)
    for name in extensions { #expect(dom.contains("data-extension=\"\(name)\""), "\(name)") }
    #expect(dom.contains("KVM_SET_ONE_REG"))

    // The litmus table: the flags the model raised, and the racy test's row marked as disagreeing
    // though its verdict is the one stated.
    let racyRow = try #require(dom.components(separatedBy: "<tr ").first { $0.contains(">racy-read<") })
    #expect(racyRow.contains("class=\"disagrees\"") && racyRow.contains(">data-race<"), "\(racyRow)")
    #expect(racyRow.contains(">Sometimes<"), "\(racyRow)")
    let corrRow = try #require(dom.components(separatedBy: "<tr ").first { $0.contains(">CoRR+amocas<") })
    #expect(corrRow.contains("class=\"agrees\""), "\(corrRow)")

    // Trends: five charts, one point per night.
    #expect(dom.components(separatedBy: "<figure class=\"chart\"").count - 1 == 5)
    #expect(dom.contains("2026-11-01") && dom.contains("2026-11-02"))

    // A screenshot, kept for people to look at.
    let artifacts = Self.package.appendingPathComponent(".build/test-artifacts")
    try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
    let screenshot = artifacts.appendingPathComponent("report.png")
    _ = try Chromium.run(["--window-size=1400,2400", "--screenshot=\(screenshot.path)"], page: page)
    #expect(FileManager.default.fileExists(atPath: screenshot.path))
  }

  /// Bad inputs are input errors that name the file.
  @Test func inputsThatAreNotReportsAreRefused() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let junk = folder.appendingPathComponent("junk.json")
    try "{\"schema\": \"something.else\"}".write(to: junk, atomically: true, encoding: .utf8)
    let text = folder.appendingPathComponent("notes.json")
    try "not json".write(to: text, atomically: true, encoding: .utf8)
    for (input, message) in [
      (junk.path, "unknown schema 'something.else'"), (text.path, "not JSON"),
      ("/nonexistent.json", "no such file or folder"),
    ] {
      let result = try BinaryRunner.run(["report", input, "--out", folder.appendingPathComponent("r.html").path])
      #expect(result.status == 2)
      #expect(result.error.contains(input) && result.error.contains(message), "\(result.error)")
    }
  }

  /// The attributes of every `tag` element in `html`.
  static func attributes(of tag: String, in html: String) -> [[String: String]] {
    var found: [[String: String]] = []
    for piece in html.components(separatedBy: "<\(tag) ").dropFirst() {
      guard let end = piece.firstIndex(of: ">") else { continue }
      var attributes: [String: String] = [:]
      let scanner = piece[..<end]
      var rest = Substring(scanner)
      while let equals = rest.firstIndex(of: "=") {
        let name = rest[..<equals].trimmingCharacters(in: .whitespaces)
        let afterEquals = rest[rest.index(after: equals)...]
        guard afterEquals.first == "\"", let close = afterEquals.dropFirst().firstIndex(of: "\"") else { break }
        attributes[String(name)] = String(afterEquals[afterEquals.index(after: afterEquals.startIndex)..<close])
        rest = afterEquals[afterEquals.index(after: close)...]
      }
      found.append(attributes)
    }
    return found
  }
}
