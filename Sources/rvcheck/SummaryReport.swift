import DiffCheck
import Foundation
import SpecModel

/// Text and JSON renderings of a campaign summary.
enum SummaryReport {
  static let schemaVersion = 1

  /// How the run went: its shard, whether it covered all its programs, where findings went.
  struct Context {
    var shard = Shard.whole
    var completed = true
    var stopReason: String?
    var remaining = 0
    var findingFiles: [String]?
    var findingsFolder: String?
    /// Findings reported during the run, including those of batches a stop left unfinished.
    var findingsHeard = 0
    /// New files and duplicates in the findings folder.
    var findingsWritten: (new: Int, duplicates: Int)?
    /// When the run ended (the report page's date for it).
    var finished = Date()
    /// Each emulator's release, where it reports one.
    var emulatorVersions: [String: String] = [:]
  }

  /// Known deviations whose probe confirmed them on releases their range does not list.
  static func outsideRangeLine(_ summary: CampaignSummary) -> String {
    let ranges = Dictionary(
      summary.options.known.map { ($0.name, $0.versions) }, uniquingKeysWith: { first, _ in first })
    let parts = summary.outsideRange.sorted { $0.key < $1.key }.map { name, releases in
      let listed = (ranges[name] ?? nil).map { range in
        " \(range.low.map(String.init).joined(separator: "."))–\(range.high.map(String.init).joined(separator: "."))"
      }
      return
        "\(name) confirmed on \(releases.sorted().joined(separator: ", ")), outside the listed range\(listed ?? "")"
    }
    return "outside range      " + parts.joined(separator: "; ") + " (review the range)"
  }

  /// Without `seconds` the report is the same on every run of the same seed.
  static func text(_ summary: CampaignSummary, seconds: Double?, context: Context = Context()) -> String {
    let options = summary.options
    var lines = [
      "rvcheck fuzz --seed \(options.seed) --start \(options.start) --count \(options.count) --length \(options.length) --isa \(options.isa) --profile \(options.profile.name)",
      "emulator           \(summary.emulator)",
      context.shard == .whole ? nil : "shard              \(context.shard)",
      "programs           \(summary.programs)",
      "programs checked   \(summary.checkedPrograms)",
      "violations         \(summary.findings.count)"
        + (summary.repeats.isEmpty
          ? "" : " (and \(summary.repeats.count) program(s) repeating them, not explained again; --explain-all does)"),
      summary.knownTotal == 0
        ? nil
        : "known deviations   \(summary.knownTotal) ("
          + summary.knownCounts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
          + "; not new, --strict fails on them)",
      summary.outsideRange.isEmpty ? nil : outsideRangeLine(summary),
      "unknowns           \(summary.unknowns)",
      "infeasible paths   \(summary.infeasibleTargets)",
      "not prepared       \(summary.unprepared)",
      "emulator failures  \(summary.emulatorFailures.count)",
      "targets patched    \(summary.patches)",
      "solver fallbacks   \(summary.solverFallbacks)",
      options.crossCheck == nil ? nil : "cross-checked      \(summary.crossChecked) (every \(options.crossCheck ?? 0))",
      summary.disagreements.isEmpty ? nil : "disagreements      \(summary.disagreements.count)",
    ].compactMap { $0 }
    if let reason = context.stopReason {
      lines.append("stopped            \(reason); \(context.remaining) program(s) left (--resume continues)")
    }
    if let (new, duplicates) = context.findingsWritten, let folder = context.findingsFolder {
      lines.append("findings written   \(new) new in \(folder), \(duplicates) duplicate(s) of findings already there")
    }
    if let seconds {
      lines.append(
        String(
          format: "time               %.1fs (%.1f programs/s)", seconds, Double(summary.programs) / max(seconds, 0.001))
      )
      lines.append(
        "time split         generate+prepare \(summary.timing.preparing.seconds)s, emulate \(summary.timing.emulating.seconds)s, check \(summary.timing.checking.seconds)s"
      )
    }
    lines += [
      "",
      "coverage (amocas form, then byte and halfword AMO form, × outcome the spec expected):",
      summary.coverage.table(for: options.isa),
    ]
    let missing = summary.coverage.missing(in: options.isa)
    if !missing.isEmpty {
      lines.append(
        "cells never reached: " + missing.map { "\($0.form)/\($0.outcome.rawValue)" }.joined(separator: ", "))
    }
    if summary.columns.count > 1 {
      lines += ["", "per emulator (every program ran on each):", Self.columnTable(summary.columns)]
      for column in summary.columns {
        lines += [
          "", "coverage on \(column.name) (programs it checked):", column.coverageTable.table(for: options.isa),
        ]
      }
    }
    if !summary.unknownIndices.isEmpty {
      lines.append(
        "unknown verdicts (solver gave up): programs " + summary.unknownIndices.map(String.init).joined(separator: ", ")
      )
    }
    if !summary.unpreparedIndices.isEmpty {
      lines.append(
        "not prepared: programs " + summary.unpreparedIndices.map(String.init).joined(separator: ", "))
    }
    let repeated = Dictionary(grouping: summary.repeats, by: \.sameAs)
    for (sameAs, programs) in repeated.sorted(by: { $0.key < $1.key }) {
      lines.append(
        "same as the finding of program \(sameAs): \(programs.count) program(s) ("
          + programs.prefix(8).map { String($0.program) }.joined(separator: ", ")
          + (programs.count > 8 ? ", …" : "") + "); differs in \(programs[0].signature)")
    }
    for failure in summary.emulatorFailures.prefix(10) { lines.append("emulator failure: \(failure)") }
    for disagreement in summary.disagreements.prefix(10) {
      lines.append("INTERNAL ERROR: the two interpretations of the spec disagree on \(disagreement)")
    }
    for (form, programs) in summary.unsupportedForms.sorted(by: { $0.key < $1.key }) {
      lines.append("not checked: \(form) unsupported by this emulator (\(programs) program(s) use it)")
    }
    for (number, finding) in summary.findings.enumerated() {
      lines.append("")
      lines.append("VIOLATION in program \(finding.programIndex): \(finding.rules.joined(separator: ", "))")
      if let files = context.findingFiles, let folder = context.findingsFolder {
        lines.append("  written as \((folder as NSString).appendingPathComponent(files[number])).rvt")
      }
      lines.append("  observed differs in: \(finding.observedParts.joined(separator: ", "))")
      if !finding.emulators.isEmpty { lines.append("  shown by: \(finding.emulators.joined(separator: ", "))") }
      lines.append(finding.reproducer.text.split(separator: "\n").map { "  | \($0)" }.joined(separator: "\n"))
    }
    lines.append("")
    let found = max(summary.findings.count, context.findingsHeard)
    let incomplete = context.stopReason != nil && context.stopReason != "time budget reached"
    lines.append(
      !summary.disagreements.isEmpty
        ? "verdict: internal error (\(summary.disagreements.count) disagreement(s) between the concrete and the Z3 interpretation)"
        : found > 0
          ? "verdict: \(found) violation(s)"
          : summary.unknowns == 0 && summary.emulatorFailures.isEmpty && summary.unsupportedForms.isEmpty && !incomplete
            ? "verdict: conforming" : "verdict: unknown")
    return lines.joined(separator: "\n")
  }

  static func json(_ summary: CampaignSummary, seconds: Double?, context: Context = Context()) throws -> String {
    let options = summary.options
    var coverage: [[String: Any]] = []
    for form in Coverage.allForms(in: options.isa) {
      for outcome in CASOutcome.allCases where Coverage.applies(outcome, to: form, xlen: options.isa.xlen) {
        coverage.append([
          "form": form.mnemonic, "outcome": outcome.rawValue, "count": summary.coverage.count(form.mnemonic, outcome),
        ])
      }
    }
    let object: [String: Any] = [
      "schema": "rvcheck.fuzz-summary", "schemaVersion": schemaVersion,
      "seed": options.seed, "start": options.start, "count": options.count, "length": options.length,
      "shard": context.shard.description, "completed": context.completed, "remaining": context.remaining,
      "isa": options.isa.description, "profile": options.profile.name, "emulator": summary.emulator,
      "programs": summary.programs, "violations": summary.findings.count, "unknowns": summary.unknowns,
      "unknownPrograms": summary.unknownIndices,
      "infeasiblePaths": summary.infeasibleTargets, "notPrepared": summary.unprepared,
      "checkedPrograms": summary.checkedPrograms, "emulatorFailures": summary.emulatorFailures,
      "unsupportedForms": summary.unsupportedForms,
      "patches": summary.patches, "solverFallbacks": summary.solverFallbacks, "crossChecked": summary.crossChecked,
      "disagreements": summary.disagreements,
      "repeatedViolations": summary.repeats.count,
      "repeats": summary.repeats.map { repeated -> [String: Any] in
        [
          "program": repeated.program, "emulator": repeated.emulator, "signature": repeated.signature,
          "sameAs": repeated.sameAs,
        ]
      },
      "known": summary.knownCounts,
      "knownOutsideRange": summary.outsideRange.mapValues { $0.sorted() },
      "emulators": summary.columns.map { column -> [String: Any] in
        [
          "name": column.name, "checked": column.checked, "violations": column.violations, "known": column.known,
          "failures": column.failures, "notChecked": column.notChecked,
          "coverage": column.coverage.sorted { ($0.key.form, $0.key.outcome) < ($1.key.form, $1.key.outcome) }.map {
            ["form": $0.key.form, "outcome": $0.key.outcome.rawValue, "count": $0.value]
          },
        ]
      },
      "knownExamples": summary.knownExamples.map { finding -> [String: Any] in
        [
          "deviation": finding.known ?? "", "program": finding.programIndex, "rules": finding.rules,
          "key": FindingStore.key(finding), "reproducer": finding.reproducer.text,
        ]
      },
      "coverage": coverage,
      "findings": summary.findings.enumerated().map { number, finding -> [String: Any] in
        var entry: [String: Any] = [
          "program": finding.programIndex, "rules": finding.rules, "observed": finding.observedParts,
          "forms": finding.blamedForms, "key": FindingStore.key(finding), "reproducer": finding.reproducer.text,
          "emulators": finding.emulators,
        ]
        if let files = context.findingFiles, let folder = context.findingsFolder {
          entry["file"] = (folder as NSString).appendingPathComponent(files[number] + ".rvt")
        }
        return entry
      },
    ]
    var document = object
    if let reason = context.stopReason { document["stopReason"] = reason }
    document["rvcheckVersion"] = RVCheck.version
    // Like the times, the date varies from run to run: only with them.
    if seconds != nil { document["date"] = ISO8601DateFormatter().string(from: context.finished) }
    document["emulatorVersions"] = context.emulatorVersions
    document["findingsHeard"] = max(summary.findings.count, context.findingsHeard)
    if let (new, duplicates) = context.findingsWritten {
      document["findingsWritten"] = ["new": new, "duplicates": duplicates]
    }
    if let seconds { document["seconds"] = (seconds * 1000).rounded() / 1000 }
    let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])
    return String(decoding: data, as: UTF8.self)
  }
}

extension Duration {
  var inSeconds: Double {
    let (whole, fraction) = components
    return Double(whole) + Double(fraction) / 1e18
  }

  /// Seconds with one decimal.
  var seconds: String {
    let (whole, fraction) = components
    return String(format: "%.1f", Double(whole) + Double(fraction) / 1e18)
  }
}

extension SummaryReport {
  /// One row per emulator: what it checked, what it showed, what it could not run.
  static func columnTable(_ columns: [EmulatorColumn]) -> String {
    let width = max(10, (columns.map(\.name.count).max() ?? 0) + 2)
    func row(_ cells: [String]) -> String {
      cells[0].padding(toLength: width, withPad: " ", startingAt: 0)
        + cells.dropFirst().map { String(repeating: " ", count: max(0, 12 - $0.count)) + $0 }.joined()
    }
    var rows = [row(["emulator", "checked", "violations", "known", "failures", "not checked"])]
    for column in columns {
      rows.append(
        row([
          column.name, "\(column.checked)", "\(column.violations)", "\(column.known)", "\(column.failures)",
          "\(column.notChecked)",
        ]))
    }
    return rows.joined(separator: "\n")
  }
}
