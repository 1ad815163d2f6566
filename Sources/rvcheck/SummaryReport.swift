import DiffCheck
import Foundation
import SpecModel

/// Text and JSON renderings of a campaign summary.
enum SummaryReport {
  static let schemaVersion = 1

  /// Without `seconds` the report is the same on every run of the same seed.
  static func text(_ summary: CampaignSummary, seconds: Double?) -> String {
    let options = summary.options
    var lines = [
      "rvcheck fuzz --seed \(options.seed) --start \(options.start) --count \(options.count) --length \(options.length) --isa \(options.isa) --profile \(options.profile.name)",
      "emulator           \(summary.emulator)",
      "programs           \(summary.programs)",
      "programs checked   \(summary.checkedPrograms)",
      "violations         \(summary.findings.count)",
      "unknowns           \(summary.unknowns)",
      "infeasible paths   \(summary.infeasibleTargets)",
      "not prepared       \(summary.unprepared)",
      "emulator failures  \(summary.emulatorFailures.count)",
    ]
    if let seconds {
      lines.append(
        String(
          format: "time               %.1fs (%.1f programs/s)", seconds, Double(summary.programs) / max(seconds, 0.001))
      )
      lines.append(
        "time split         prepare \(summary.timing.preparing.seconds)s, emulate \(summary.timing.emulating.seconds)s, check \(summary.timing.checking.seconds)s"
      )
    }
    lines += [
      "",
      "coverage (amocas form × outcome the spec expected):",
      summary.coverage.table(for: options.isa),
    ]
    let missing = summary.coverage.missing(in: options.isa)
    if !missing.isEmpty {
      lines.append(
        "cells never reached: " + missing.map { "\($0.form)/\($0.outcome.rawValue)" }.joined(separator: ", "))
    }
    if !summary.unpreparedIndices.isEmpty {
      lines.append(
        "not prepared (solver gave up): programs " + summary.unpreparedIndices.map(String.init).joined(separator: ", "))
    }
    for failure in summary.emulatorFailures.prefix(10) { lines.append("emulator failure: \(failure)") }
    for (form, programs) in summary.unsupportedForms.sorted(by: { $0.key < $1.key }) {
      lines.append("not checked: \(form) unsupported by this emulator (\(programs) program(s) use it)")
    }
    for finding in summary.findings {
      lines.append("")
      lines.append("VIOLATION in program \(finding.programIndex): \(finding.rules.joined(separator: ", "))")
      lines.append("  observed differs in: \(finding.observedParts.joined(separator: ", "))")
      lines.append(finding.reproducer.text.split(separator: "\n").map { "  | \($0)" }.joined(separator: "\n"))
    }
    lines.append("")
    lines.append(
      summary.findings.isEmpty
        ? (summary.unknowns == 0 && summary.emulatorFailures.isEmpty && summary.unsupportedForms.isEmpty
          ? "verdict: conforming" : "verdict: unknown")
        : "verdict: \(summary.findings.count) violation(s)")
    return lines.joined(separator: "\n")
  }

  static func json(_ summary: CampaignSummary, seconds: Double?) throws -> String {
    let options = summary.options
    var coverage: [[String: Any]] = []
    for form in Coverage.forms(in: options.isa) {
      for outcome in CASOutcome.allCases where Coverage.applies(outcome, to: form, xlen: options.isa.xlen) {
        coverage.append([
          "form": form.mnemonic, "outcome": outcome.rawValue, "count": summary.coverage.count(form.mnemonic, outcome),
        ])
      }
    }
    let object: [String: Any] = [
      "schema": "rvcheck.fuzz-summary", "schemaVersion": schemaVersion,
      "seed": options.seed, "count": options.count, "length": options.length,
      "isa": options.isa.description, "profile": options.profile.name, "emulator": summary.emulator,
      "programs": summary.programs, "violations": summary.findings.count, "unknowns": summary.unknowns,
      "infeasiblePaths": summary.infeasibleTargets, "notPrepared": summary.unprepared,
      "checkedPrograms": summary.checkedPrograms, "emulatorFailures": summary.emulatorFailures,
      "unsupportedForms": summary.unsupportedForms,
      "coverage": coverage,
      "findings": summary.findings.map { finding -> [String: Any] in
        [
          "program": finding.programIndex, "rules": finding.rules, "observed": finding.observedParts,
          "reproducer": finding.reproducer.text,
        ]
      },
    ]
    var document = object
    if let seconds { document["seconds"] = (seconds * 1000).rounded() / 1000 }
    let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])
    return String(decoding: data, as: UTF8.self)
  }
}

extension Duration {
  /// Seconds with one decimal.
  var seconds: String {
    let (whole, fraction) = components
    return String(format: "%.1f", Double(whole) + Double(fraction) / 1e18)
  }
}
