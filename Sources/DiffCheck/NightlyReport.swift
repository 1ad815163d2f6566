import Foundation
import SpecModel

/// The nightly job's results as one self-contained HTML page: what the fuzz summaries, findings
/// folders, policy, atomics and litmus reports of one or many nights say, drawn with inline CSS and SVG
/// only (no script, no network).
public struct NightlyReport {
  /// One fuzz run (a shard of a night, on one emulator or several).
  public struct Run {
    public var file: String
    public var date: String
    public var emulator: String
    public var shard: String
    public var seed: String
    public var isa: String
    public var profile: String
    public var programs: Int
    public var seconds: Double?
    public var violations: Int
    public var known: [String: Int]
    public var infeasible: Int
    public var rvcheckVersion: String
    public var emulatorVersions: [String: String]
    /// Coverage by emulator name: form → outcome → count.
    public var coverage: [String: [String: [String: Int]]]
    public var findings: [[String: Any]]
    public var knownExamples: [[String: Any]]
  }

  /// A finding as the page shows it.
  public struct FindingEntry {
    public var key: String
    public var rules: [String]
    public var emulators: [String]
    public var program: [String]
    public var file: String?
    public var standalone: String?
    /// The known deviation that explains it; nil for a new finding.
    public var known: String?
  }

  public struct PolicyInput {
    public var name: String
    public var obligations: [(name: String, status: String, message: String, trace: [String])]
  }

  /// One `rvcheck atomics --format json` report: a cell per primitive, type, boot path and XLEN.
  public struct AtomicsInput {
    public var name: String
    public var rows: [AtomicsRow]
    /// The kernel's C litmus tests compiled through the tree, one entry per boot path and XLEN.
    public var suite: [CompiledTest] = []
  }

  /// One C litmus test compiled through a tree on one boot path and XLEN.
  public struct CompiledTest {
    public var test: String
    public var column: String
    /// proved, fails, unknown or not compiled.
    public var verdict: String
    /// What kept it from proving: the first line of the counterexample or the reason.
    public var detail: String
  }

  public struct AtomicsRow {
    public var primitive: String
    public var type: String
    public var column: String
    /// The worst verdict: fails, unknown, proved; nil where the tree does not provide it.
    public var worst: String?
    /// Failing or unknown obligations with the first line of their text.
    public var open: [(obligation: String, text: String)]
  }

  public struct LitmusEntry {
    public var name: String
    public var model: String
    public var verdict: String
    public var stated: String
    /// herd's flags the model raised (`data-race`, …).
    public var flags: [String] = []
    /// Whether the file's Result line predicts a data race (`DATARACE`).
    public var statedDataRace = false
    /// The judgement of the file's stated result, where the report gives one (it counts a
    /// `DATARACE` marker, and forgives a verdict where a race is flagged); else the verdicts alone.
    public var agrees: Bool?
  }

  public var runs: [Run] = []
  public var findings: [FindingEntry] = []
  public var policies: [PolicyInput] = []
  public var atomics: [AtomicsInput] = []
  public var litmus: [LitmusEntry] = []

  public struct InputError: Error, CustomStringConvertible {
    public let description: String
  }

  public init() {}

  /// Reads every input: fuzz summaries, policy, atomics and litmus JSON files, and findings folders.
  public init(paths: [String]) throws(InputError) {
    for path in paths {
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
        throw InputError(description: "\(path): no such file or folder")
      }
      if isFolder.boolValue {
        try readFindings(folder: path)
      } else {
        try read(file: path)
      }
    }
    guard !runs.isEmpty || !policies.isEmpty || !atomics.isEmpty || !litmus.isEmpty || !findings.isEmpty else {
      throw InputError(
        description: "nothing to report: no fuzz summary, finding, policy, atomics or litmus report given")
    }
  }

  private mutating func read(file: String) throws(InputError) {
    guard let data = FileManager.default.contents(atPath: file) else {
      throw InputError(description: "\(file): cannot read the file")
    }
    let object: Any
    do { object = try JSONSerialization.jsonObject(with: data) } catch {
      throw InputError(description: "\(file): not JSON (\(error.localizedDescription))")
    }
    if let entries = object as? [[String: Any]], entries.allSatisfy({ $0["verdict"] != nil && $0["name"] != nil }) {
      litmus += entries.map {
        LitmusEntry(
          name: $0["name"] as? String ?? "?", model: $0["model"] as? String ?? "?",
          verdict: $0["verdict"] as? String ?? "?", stated: $0["stated"] as? String ?? "",
          flags: $0["flags"] as? [String] ?? [], statedDataRace: $0["statedDataRace"] as? Bool ?? false,
          agrees: $0["agrees"] as? Bool)
      }
      return
    }
    guard let document = object as? [String: Any], let schema = document["schema"] as? String else {
      throw InputError(description: "\(file): not an rvcheck fuzz summary, policy, atomics or litmus report")
    }
    switch schema {
    case "rvcheck.fuzz-summary": runs.append(Self.run(document, file: file))
    case "rvcheck.policy":
      let obligations = (document["obligations"] as? [[String: Any]] ?? []).map {
        (
          name: $0["name"] as? String ?? "?", status: $0["status"] as? String ?? "unknown",
          message: $0["message"] as? String ?? "", trace: $0["trace"] as? [String] ?? []
        )
      }
      let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
      policies.append(PolicyInput(name: name, obligations: obligations))
    case "rvcheck.atomics":
      let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
      atomics.append(
        AtomicsInput(
          name: name, rows: (document["rows"] as? [[String: Any]] ?? []).map(Self.atomicsRow),
          suite: (document["litmus"] as? [[String: Any]] ?? []).map(Self.compiledTest)))
    default: throw InputError(description: "\(file): unknown schema '\(schema)'")
    }
  }

  static func compiledTest(_ entry: [String: Any]) -> CompiledTest {
    let xlen = (entry["xlen"] as? NSNumber)?.intValue ?? 0
    let detail = entry["counterexample"] as? String ?? entry["reason"] as? String ?? ""
    return CompiledTest(
      test: entry["test"] as? String ?? "?", column: "\(entry["path"] as? String ?? "?") RV\(xlen)",
      verdict: entry["verdict"] as? String ?? "unknown", detail: String(detail.split(separator: "\n").first ?? ""))
  }

  static func atomicsRow(_ row: [String: Any]) -> AtomicsRow {
    var open: [(obligation: String, text: String)] = []
    var worst: String?
    if let unknown = row["unknown"] as? String {
      open.append(("read", unknown))
      worst = "unknown"
    } else if let obligations = row["obligations"] as? [String: [String: String]] {
      worst = "proved"
      for (name, result) in obligations.sorted(by: { $0.key < $1.key }) {
        let verdict = result["verdict"] ?? "unknown"
        guard verdict == "fails" || verdict == "unknown" else { continue }
        let text = result["counterexample"] ?? result["reason"] ?? ""
        open.append((name, String(text.split(separator: "\n").first ?? "")))
        if verdict == "fails" || worst != "fails" { worst = verdict }
      }
    }
    let xlen = (row["xlen"] as? NSNumber)?.intValue ?? 0
    return AtomicsRow(
      primitive: row["primitive"] as? String ?? "?", type: row["type"] as? String ?? "?",
      column: "\(row["path"] as? String ?? "?") RV\(xlen)", worst: worst, open: open)
  }

  static func run(_ document: [String: Any], file: String) -> Run {
    func int(_ key: String) -> Int { (document[key] as? NSNumber)?.intValue ?? 0 }
    func string(_ key: String) -> String {
      if let text = document[key] as? String { return text }
      return (document[key] as? NSNumber)?.stringValue ?? ""
    }
    let emulator = string("emulator")
    var coverage: [String: [String: [String: Int]]] = [:]
    func add(_ cells: [[String: Any]], to name: String) {
      for cell in cells {
        guard let form = cell["form"] as? String, let outcome = cell["outcome"] as? String else { continue }
        coverage[name, default: [:]][form, default: [:]][outcome, default: 0] +=
          (cell["count"] as? NSNumber)?.intValue ?? 0
      }
    }
    let columns = document["emulators"] as? [[String: Any]] ?? []
    if columns.count > 1 {
      for column in columns { add(column["coverage"] as? [[String: Any]] ?? [], to: column["name"] as? String ?? "?") }
    } else {
      add(document["coverage"] as? [[String: Any]] ?? [], to: emulator)
    }
    return Run(
      file: file, date: string("date").isEmpty ? "undated" : String(string("date").prefix(10)), emulator: emulator,
      shard: string("shard"), seed: string("seed"), isa: string("isa"), profile: string("profile"),
      programs: int("programs"), seconds: (document["seconds"] as? NSNumber)?.doubleValue,
      violations: int("violations"),
      known: (document["known"] as? [String: Any] ?? [:]).mapValues { ($0 as? NSNumber)?.intValue ?? 0 },
      infeasible: int("infeasiblePaths"), rvcheckVersion: string("rvcheckVersion"),
      emulatorVersions: document["emulatorVersions"] as? [String: String] ?? [:], coverage: coverage,
      findings: document["findings"] as? [[String: Any]] ?? [],
      knownExamples: document["knownExamples"] as? [[String: Any]] ?? [])
  }

  /// `finding-*.rvt` and `failure-*.rvt` cases of a findings folder.
  private mutating func readFindings(folder: String) throws(InputError) {
    let names: [String]
    do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
      throw InputError(description: "\(folder): cannot list the folder")
    }
    for name in names.sorted() where name.hasSuffix(".rvt") {
      let path = (folder as NSString).appendingPathComponent(name)
      guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
      else { throw InputError(description: "\(path): cannot read the file as UTF-8 text") }
      let testCase: CorpusCase
      do { testCase = try CorpusCase(parsing: text, file: path) } catch {
        throw InputError(description: error.description)
      }
      func comment(_ prefix: String) -> String? {
        testCase.comments.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
      }
      let emulator = comment("found by ").flatMap { $0.components(separatedBy: "emulator ").last } ?? "builtin"
      var rules: [String] = []
      if case .violation(let named) = testCase.expectation { rules = named }
      let failure = comment("the emulator failed: ")
      findings.append(
        FindingEntry(
          key: comment("finding key: ") ?? failure.map { "emulator failure: \($0)" } ?? name, rules: rules,
          emulators: [emulator], program: testCase.program.map(\.assembly), file: path,
          standalone: comment("standalone on Spike: ") ?? comment("standalone on QEMU: "), known: nil))
    }
  }

  // MARK: The page

  /// Findings from folders and from the summaries, one entry per key (folders first: they carry files).
  var allFindings: [FindingEntry] {
    var entries = findings
    var keys = Set(entries.map(\.key))
    for run in runs {
      for finding in run.findings {
        let key = finding["key"] as? String ?? "?"
        guard !keys.contains(key) else { continue }
        keys.insert(key)
        entries.append(Self.entry(finding, run: run, known: nil))
      }
      for example in run.knownExamples {
        let deviation = example["deviation"] as? String ?? "?"
        let key = "known: \(deviation)"
        guard !keys.contains(key) else { continue }
        keys.insert(key)
        var entry = Self.entry(example, run: run, known: deviation)
        entry.key = key
        entries.append(entry)
      }
    }
    return entries
  }

  static func entry(_ finding: [String: Any], run: Run, known: String?) -> FindingEntry {
    let reproducer = finding["reproducer"] as? String ?? ""
    let lines = reproducer.split(separator: "\n").map(String.init)
    var program: [String] = []
    var inProgram = false
    for line in lines {
      if line == "program" {
        inProgram = true
      } else if line == "end" {
        inProgram = false
      } else if inProgram {
        program.append(line.trimmingCharacters(in: .whitespaces))
      }
    }
    let standalone = lines.first { $0.hasPrefix("# standalone on ") }.map {
      String($0.drop(while: { $0 != ":" }).dropFirst().drop(while: { $0 == " " }))
    }
    let emulators = finding["emulators"] as? [String] ?? []
    return FindingEntry(
      key: finding["key"] as? String ?? "?", rules: finding["rules"] as? [String] ?? [],
      emulators: emulators.isEmpty ? [run.emulator] : emulators, program: program, file: finding["file"] as? String,
      standalone: standalone, known: known)
  }

  public func html() -> String {
    var page = HTMLPage(title: "rvcheck nightly report")
    header(&page)
    heatmaps(&page)
    trends(&page)
    findingsSection(&page)
    policySection(&page)
    atomicsSection(&page)
    litmusSection(&page)
    return page.finish()
  }

  private func header(_ page: inout HTMLPage) {
    let versions = Set(runs.map(\.rvcheckVersion).filter { !$0.isEmpty }).sorted()
    var emulatorVersions: [String: Set<String>] = [:]
    for run in runs {
      for (name, version) in run.emulatorVersions { emulatorVersions[name, default: []].insert(version) }
    }
    let dates = Set(runs.map(\.date)).sorted()
    page.add("<header><h1>rvcheck nightly report</h1><dl class=\"facts\">")
    let facts: [(String, String)] = [
      ("rvcheck", versions.isEmpty ? "unknown" : versions.joined(separator: ", ")),
      ("ISA", Set(runs.map(\.isa)).sorted().joined(separator: ", ")),
      ("profile", Set(runs.map(\.profile)).sorted().joined(separator: ", ")),
      ("nights", dates.isEmpty ? "none" : "\(dates.count) (\(dates.first!) to \(dates.last!))"),
      ("seeds", Set(runs.map(\.seed)).sorted().joined(separator: ", ")),
      ("shards", Set(runs.map(\.shard)).sorted().joined(separator: ", ")),
      ("runs", "\(runs.count)"),
      (
        "emulators",
        Set(runs.flatMap { $0.coverage.keys }).sorted().map { name in
          name + (emulatorVersions[name].map { " " + $0.sorted().joined(separator: "/") } ?? "")
        }.joined(separator: ", ")
      ),
    ]
    for (term, value) in facts {
      page.add("<dt>\(markupEscaped(term))</dt><dd>\(markupEscaped(value.isEmpty ? "-" : value))</dd>")
    }
    page.add("</dl></header>")
  }

  /// amocas form × expected outcome, one table per emulator, shaded by count.
  private func heatmaps(_ page: inout HTMLPage) {
    page.add("<section id=\"coverage\"><h2>Coverage: amocas form × expected outcome</h2>")
    var totals: [String: [String: [String: Int]]] = [:]
    for run in runs {
      for (emulator, forms) in run.coverage {
        for (form, outcomes) in forms {
          for (outcome, count) in outcomes {
            totals[emulator, default: [:]][form, default: [:]][outcome, default: 0] += count
          }
        }
      }
    }
    guard !totals.isEmpty else {
      page.add("<p>No fuzz summaries given.</p></section>")
      return
    }
    let isa = runs.compactMap { try? ISAString(parsing: $0.isa) }.max { $0.extensions.count < $1.extensions.count }
    let forms = InstructionTable.forms.filter { $0.mnemonic.hasPrefix("amocas") && (isa?.contains($0) ?? true) }
    page.add(
      "<p class=\"note\">Cells count programs whose amocas the spec expected to take that outcome, summed over every run; <span class=\"dash\">-</span> cannot occur, <span class=\"zero\">0</span> was never reached.</p>"
    )
    for emulator in totals.keys.sorted() {
      let counts = totals[emulator] ?? [:]
      let maximum = max(1, counts.values.flatMap(\.values).max() ?? 1)
      page.add(
        "<h3>\(markupEscaped(emulator))</h3><table class=\"heatmap\" data-emulator=\"\(markupEscaped(emulator))\"><thead><tr><th>form</th>"
      )
      for outcome in Coverage.casOutcomes { page.add("<th>\(markupEscaped(outcome.rawValue))</th>") }
      page.add("</tr></thead><tbody>")
      for form in forms {
        page.add("<tr><th>\(form.mnemonic)</th>")
        for outcome in Coverage.casOutcomes {
          let attributes =
            "data-emulator=\"\(markupEscaped(emulator))\" data-form=\"\(form.mnemonic)\" data-outcome=\"\(outcome.rawValue)\""
          guard Coverage.applies(outcome, to: form, xlen: isa?.xlen ?? 64) else {
            page.add("<td class=\"cell dash\" \(attributes) data-count=\"-\">-</td>")
            continue
          }
          let count = counts[form.mnemonic]?[outcome.rawValue] ?? 0
          if count == 0 {
            page.add("<td class=\"cell zero\" \(attributes) data-count=\"0\" title=\"never reached\">0</td>")
            continue
          }
          // Logarithmic shading: a cell reached a hundred times is not a hundredth as good.
          let shade = 0.15 + 0.85 * log(Double(count) + 1) / log(Double(maximum) + 1)
          let light = shade > 0.6 ? " light" : ""
          page.add(
            "<td class=\"cell\(light)\" \(attributes) data-count=\"\(count)\" style=\"background: rgba(37, 99, 235, \(String(format: "%.2f", shade)))\">\(count)</td>"
          )
        }
        page.add("</tr>")
      }
      page.add("</tbody></table>")
    }
    page.add("</section>")
  }

  /// Per night: programs, programs per second, violations (new and known), infeasible targets.
  private func trends(_ page: inout HTMLPage) {
    page.add("<section id=\"trends\"><h2>Trends across nights</h2>")
    let nights = Dictionary(grouping: runs, by: \.date).sorted { $0.key < $1.key }
    guard !nights.isEmpty else {
      page.add("<p>No fuzz summaries given.</p></section>")
      return
    }
    let dates = nights.map(\.key)
    let series: [(String, [Double])] = [
      ("programs checked", nights.map { Double($0.value.reduce(0) { $0 + $1.programs }) }),
      ("programs/s per run (median)", nights.map { Self.medianRate($0.value) }),
      ("new violations", nights.map { Double($0.value.reduce(0) { $0 + $1.violations }) }),
      ("known deviations", nights.map { Double($0.value.reduce(0) { $0 + $1.known.values.reduce(0, +) }) }),
      ("infeasible targets", nights.map { Double($0.value.reduce(0) { $0 + $1.infeasible }) }),
    ]
    page.add("<div class=\"charts\">")
    for (name, values) in series { page.add(Self.chart(name, dates: dates, values: values)) }
    page.add("</div></section>")
  }

  /// The median of the runs' own rates: one slow run (a mutant, a long shrink) does not set the
  /// night's figure, as it would if the programs and seconds of all runs were pooled.
  static func medianRate(_ runs: [Run]) -> Double {
    let rates = runs.compactMap { run in run.seconds.flatMap { $0 > 0 ? Double(run.programs) / $0 : nil } }.sorted()
    guard !rates.isEmpty else { return 0 }
    let middle = rates.count / 2
    return rates.count % 2 == 1 ? rates[middle] : (rates[middle - 1] + rates[middle]) / 2
  }

  /// A small line chart: the values over the dates, with the first and last date and the range.
  static func chart(_ name: String, dates: [String], values: [Double]) -> String {
    let (width, height, pad) = (300.0, 110.0, 24.0)
    let low = min(0, values.min() ?? 0)
    let high = max(values.max() ?? 1, low + 1)
    func x(_ index: Int) -> Double {
      values.count == 1 ? width / 2 : pad + (width - 2 * pad) * Double(index) / Double(values.count - 1)
    }
    func y(_ value: Double) -> Double { height - pad - (height - 2 * pad) * (value - low) / (high - low) }
    let points = values.enumerated().map { String(format: "%.1f,%.1f", x($0.offset), y($0.element)) }
    var svg =
      "<figure class=\"chart\" data-series=\"\(markupEscaped(name))\"><figcaption>\(markupEscaped(name))</figcaption><svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(markupEscaped(name)) per night\">"
    svg += "<line x1=\"\(pad)\" y1=\"\(height - pad)\" x2=\"\(width - pad)\" y2=\"\(height - pad)\" class=\"axis\"/>"
    svg += "<polyline points=\"\(points.joined(separator: " "))\" class=\"line\"/>"
    for (index, value) in values.enumerated() {
      svg += String(
        format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" class=\"dot\"><title>%@: %@</title></circle>", x(index),
        y(value), dates[index], Self.number(value))
    }
    svg += "<text x=\"\(pad)\" y=\"\(height - 6)\" class=\"label\">\(markupEscaped(dates.first ?? ""))</text>"
    svg +=
      "<text x=\"\(width - pad)\" y=\"\(height - 6)\" class=\"label end\">\(markupEscaped(dates.last ?? ""))</text>"
    svg += "<text x=\"2\" y=\"14\" class=\"label\">max \(Self.number(values.max() ?? 0))</text>"
    svg += "<text x=\"\(width - 2)\" y=\"14\" class=\"label end\">last \(Self.number(values.last ?? 0))</text>"
    return svg + "</svg></figure>"
  }

  static func number(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.1f", value)
  }

  private func findingsSection(_ page: inout HTMLPage) {
    let entries = allFindings
    page.add(
      "<section id=\"findings\"><h2>Findings (\(entries.filter { $0.known == nil }.count) new, \(entries.filter { $0.known != nil }.count) known)</h2>"
    )
    if entries.isEmpty { page.add("<p>No findings.</p>") }
    for entry in entries {
      let status = entry.known == nil ? "new" : "known"
      page.add(
        "<details class=\"finding \(status)\" open data-key=\"\(markupEscaped(entry.key))\"><summary><span class=\"badge \(status)\">\(status)</span> "
      )
      page.add(
        markupEscaped(
          entry.known.map { "known deviation \($0)" }
            ?? (entry.rules.isEmpty ? entry.key : entry.rules.joined(separator: ", "))))
      page.add(
        " <span class=\"emulators\">on \(markupEscaped(entry.emulators.joined(separator: ", ")))</span></summary>")
      page.add("<pre class=\"program\">\(markupEscaped(entry.program.joined(separator: "\n")))</pre>")
      let emulator = entry.emulators.first.map { $0.split(separator: "+").first.map(String.init) ?? $0 } ?? "builtin"
      let replay =
        entry.file.map { "rvcheck replay --emulator \(emulator) \($0)" }
        ?? "rvcheck replay --emulator \(emulator) FINDING.rvt (save the reproducer from the summary's JSON)"
      page.add("<p class=\"command replay\"><span>replay</span><code>\(markupEscaped(replay))</code></p>")
      if let standalone = entry.standalone {
        page.add("<p class=\"command standalone\"><span>standalone</span><code>\(markupEscaped(standalone))</code></p>")
      }
      page.add("</details>")
    }
    page.add("</section>")
  }

  /// Obligations that hold for the tree as a whole, shown in every extension's row.
  static let policyColumns: [(title: String, matches: @Sendable (String) -> Bool)] = [
    ("enum", { $0.hasPrefix("enum.") }),
    ("table", { $0.hasPrefix("table.") && $0 != "table.no-hole" }),
    ("no-hole", { $0 == "table.no-hole" }),
    ("switches", { $0.hasPrefix("switch.") }),
    ("no-enable-without-host", { $0 == "no-enable-without-host" }),
    ("frozen-after-run", { $0 == "frozen-after-run" }),
    ("baseline", { $0.hasPrefix("baseline") }),
  ]

  private func policySection(_ page: inout HTMLPage) {
    page.add("<section id=\"policy\"><h2>KVM ISA-extension policy</h2>")
    if policies.isEmpty { page.add("<p>No policy report given.</p>") }
    for policy in policies {
      let extensions = policy.obligations.compactMap { obligation -> String? in
        obligation.name.hasPrefix("no-disable-path.")
          ? String(obligation.name.dropFirst("no-disable-path.".count)) : nil
      }
      page.add(
        "<h3>\(markupEscaped(policy.name))</h3><table class=\"policy\" data-tree=\"\(markupEscaped(policy.name))\"><thead><tr><th>extension</th><th>no-disable-path</th>"
      )
      for column in Self.policyColumns { page.add("<th>\(markupEscaped(column.title))</th>") }
      page.add("</tr></thead><tbody>")
      for name in extensions {
        page.add("<tr data-extension=\"\(markupEscaped(name))\"><th>\(markupEscaped(name))</th>")
        page.add(Self.policyCell(policy.obligations.filter { $0.name == "no-disable-path.\(name)" }))
        for column in Self.policyColumns {
          page.add(Self.policyCell(policy.obligations.filter { column.matches($0.name) }))
        }
        page.add("</tr>")
      }
      page.add("</tbody></table>")
      let warnings = policy.obligations.filter { $0.status == "warning" }
      for warning in warnings {
        page.add("<p class=\"warning\">warning: \(markupEscaped(warning.name)): \(markupEscaped(warning.message))</p>")
      }
    }
    page.add("</section>")
  }

  /// The worst status of a group of obligations, with their messages and ioctl traces.
  static func policyCell(_ obligations: [(name: String, status: String, message: String, trace: [String])]) -> String {
    guard !obligations.isEmpty else { return "<td class=\"status absent\">-</td>" }
    let order = ["violated", "unknown", "warning", "proved"]
    let worst =
      obligations.map(\.status).min { (order.firstIndex(of: $0) ?? 1) < (order.firstIndex(of: $1) ?? 1) } ?? "unknown"
    let failing = obligations.filter { $0.status != "proved" }
    var cell = "<td class=\"status \(markupEscaped(worst))\" data-status=\"\(markupEscaped(worst))\">"
    if failing.isEmpty {
      cell += markupEscaped(worst)
    } else {
      cell += "<details><summary>\(markupEscaped(worst))</summary>"
      for obligation in failing {
        cell += "<p><b>\(markupEscaped(obligation.name))</b>: \(markupEscaped(obligation.message))</p>"
        if !obligation.trace.isEmpty { cell += "<pre>\(markupEscaped(obligation.trace.joined(separator: "\n")))</pre>" }
      }
      cell += "</details>"
    }
    return cell + "</td>"
  }

  /// A matrix per atomics report: a row per primitive and type, a column per boot path and XLEN,
  /// each cell the worst verdict of its obligations, with the failing ones behind it.
  private func atomicsSection(_ page: inout HTMLPage) {
    guard !atomics.isEmpty else { return }
    page.add("<section id=\"atomics\"><h2>Kernel atomics</h2>")
    for input in atomics {
      grid(
        input.rows, heading: "<h3>\(markupEscaped(input.name))</h3>", tableClass: "atomics", tree: input.name,
        corner: "primitive", row: { "\($0.primitive)(\($0.type))" }, column: \.column,
        cell: { row in
          guard let row, let worst = row.worst else { return nil }
          return (worst, worst, row.open.map { "<b>\(markupEscaped($0.obligation))</b>: \(markupEscaped($0.text))" })
        }, &page)
      // The C litmus tests compiled through the tree: what kept a cell from proving behind it.
      guard !input.suite.isEmpty else { continue }
      grid(
        input.suite, heading: "<h4>C litmus tests compiled through \(markupEscaped(input.name))</h4>",
        tableClass: "atomics-litmus", tree: input.name, corner: "test", row: \.test, column: \.column,
        cell: { entry in
          guard let entry else { return nil }
          let details = entry.verdict == "proved" || entry.detail.isEmpty ? [] : [markupEscaped(entry.detail)]
          return (entry.verdict == "not compiled" ? "absent" : entry.verdict, entry.verdict, details)
        }, &page)
    }
    page.add("</section>")
  }

  /// A table with a row per `row(entry)` and a column per `column(entry)`, both in the order
  /// first met. `cell` gives an entry's class, its status, and the lines shown behind it (markup);
  /// a crossing with no entry, or one `cell` declines, is drawn as "-".
  private func grid<Entry>(
    _ entries: [Entry], heading: String, tableClass: String, tree: String, corner: String, row: (Entry) -> String,
    column: (Entry) -> String, cell: (Entry?) -> (cssClass: String, status: String, details: [String])?,
    _ page: inout HTMLPage
  ) {
    var columns: [String] = []
    var rows: [String] = []
    var cells: [String: Entry] = [:]
    for entry in entries {
      let (name, place) = (row(entry), column(entry))
      if !columns.contains(place) { columns.append(place) }
      if !rows.contains(name) { rows.append(name) }
      cells[name + "\u{0}" + place] = entry
    }
    page.add(
      "\(heading)<table class=\"\(tableClass)\" data-tree=\"\(markupEscaped(tree))\"><thead><tr><th>\(corner)</th>")
    for place in columns { page.add("<th>\(markupEscaped(place))</th>") }
    page.add("</tr></thead><tbody>")
    for name in rows {
      page.add("<tr><td>\(markupEscaped(name))</td>")
      for place in columns {
        guard let drawn = cell(cells[name + "\u{0}" + place]) else {
          page.add("<td class=\"status absent\">-</td>")
          continue
        }
        var text =
          "<td class=\"status \(markupEscaped(drawn.cssClass))\" data-status=\"\(markupEscaped(drawn.status))\">"
        if drawn.details.isEmpty {
          text += markupEscaped(drawn.status)
        } else {
          text += "<details><summary>\(markupEscaped(drawn.status))</summary>"
          for line in drawn.details { text += "<p>\(line)</p>" }
          text += "</details>"
        }
        page.add(text + "</td>")
      }
      page.add("</tr>")
    }
    page.add("</tbody></table>")
  }

  private func litmusSection(_ page: inout HTMLPage) {
    guard !litmus.isEmpty else { return }
    page.add(
      "<section id=\"litmus\"><h2>Litmus tests</h2><table class=\"litmus\"><thead><tr><th>test</th><th>model</th><th>verdict</th><th>stated</th><th>flags</th></tr></thead><tbody>"
    )
    for entry in litmus {
      let agrees = entry.agrees ?? (entry.stated.isEmpty || entry.stated == entry.verdict)
      let flags = entry.flags.isEmpty ? "-" : entry.flags.joined(separator: ", ")
      var stated = entry.stated.isEmpty ? "-" : entry.stated
      if entry.statedDataRace { stated += " DATARACE" }
      // A verdict that differs yet agrees was forgiven: the test has a data race.
      if agrees && !entry.stated.isEmpty && entry.stated != entry.verdict { stated += " (forgiven)" }
      page.add(
        "<tr class=\"\(agrees ? "agrees" : "disagrees")\"><td>\(markupEscaped(entry.name))</td><td>\(markupEscaped(entry.model))</td><td>\(markupEscaped(entry.verdict))</td><td>\(markupEscaped(stated))</td><td class=\"flags\">\(markupEscaped(flags))</td></tr>"
      )
    }
    page.add("</tbody></table></section>")
  }
}

/// Text made safe for XML and HTML content and attribute values: the five markup characters as
/// entities, and no control characters but newline and tab (XML 1.0 allows no others).
public func markupEscaped(_ text: String) -> String {
  var result = ""
  result.reserveCapacity(text.utf8.count)
  for character in text.unicodeScalars {
    switch character {
    case "&": result += "&amp;"
    case "<": result += "&lt;"
    case ">": result += "&gt;"
    case "\"": result += "&quot;"
    case "'": result += "&apos;"
    case "\n", "\t": result.unicodeScalars.append(character)
    default:
      if character.value < 0x20 { continue }
      result.unicodeScalars.append(character)
    }
  }
  return result
}

/// A page being written: head with the inline style sheet, then body parts.
struct HTMLPage {
  private var parts: [String] = []

  init(title: String) {
    parts.append(
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(markupEscaped(title))</title><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>\(Self.style)</style></head><body>"
    )
  }

  mutating func add(_ html: String) { parts.append(html) }

  func finish() -> String { parts.joined() + "</body></html>\n" }

  static let style = """
    body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#111;max-width:1400px}
    h1{margin:0 0 8px}h2{margin-top:32px;border-bottom:1px solid #ccc}
    .facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}.facts dt{font-weight:600}
    .note{color:#555}table{border-collapse:collapse;margin:8px 0 16px}
    th,td{border:1px solid #ddd;padding:3px 6px;text-align:right;font-variant-numeric:tabular-nums}
    th{background:#f5f5f5;text-align:left}.cell.light{color:#fff}.cell.dash,.dash{color:#999;text-align:center}
    .cell.zero,.zero{background:#fee2e2;color:#991b1b;outline:1px solid #f87171}
    .charts{display:flex;flex-wrap:wrap;gap:16px}.chart{margin:0;border:1px solid #ddd;padding:6px}
    .chart figcaption{font-weight:600}.axis{stroke:#999}.line{fill:none;stroke:#2563eb;stroke-width:2}
    .dot{fill:#2563eb}.label{font-size:10px;fill:#555}.label.end{text-anchor:end}
    .finding{border:1px solid #ddd;margin:8px 0;padding:6px 10px}.finding summary{cursor:pointer}
    .badge{border-radius:3px;padding:0 6px;color:#fff;font-size:12px}.badge.new{background:#dc2626}
    .badge.known{background:#6b7280}.emulators{color:#555}
    pre{background:#f8f8f8;padding:6px;overflow-x:auto}.command span{display:inline-block;width:90px;color:#555}
    .status{text-align:center}.status.proved{background:#dcfce7}.status.violated{background:#fecaca}
    .status.unknown{background:#fef9c3}.status.warning{background:#ffedd5}.status.absent{color:#999}
    .status details{text-align:left}.warning{color:#9a3412}tr.disagrees td{background:#fecaca}.litmus td{text-align:left}
    """
}
