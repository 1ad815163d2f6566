import DiffCheck
import Foundation
import SpecModel

/// CI renderings of a fuzz campaign: JUnit XML and SARIF 2.1.0.
enum FuzzReports {
  /// One test case per instruction form of the ISA. A form fails when a finding's violated rules
  /// point at it; the failure carries the reproducer. A form the emulator lacks is skipped, and a
  /// campaign-level test case errs when the solver or the emulator gave up somewhere.
  static func junit(_ summary: CampaignSummary, seconds: Double, context: SummaryReport.Context) -> String {
    let options = summary.options
    let forms = InstructionTable.forms(in: options.isa).map(\.mnemonic)
    var cases: [String] = []
    var failures = 0
    var skipped = 0
    var errors = 0
    let suite = "rvcheck.fuzz.\(options.isa)"
    for form in forms {
      let blamed = summary.findings.filter { $0.blamedForms.contains(form) }
      var body = ""
      if !blamed.isEmpty {
        failures += 1
        let rules = Set(blamed.flatMap { ruleNames($0.rules) }).sorted().joined(separator: ", ")
        let text = blamed.map { "program \($0.programIndex):\n\($0.reproducer.text)" }.joined(separator: "\n\n")
        body =
          "<failure type=\"violation\" message=\"\(escape("\(blamed.count) violation(s): \(rules)"))\">\(escape(text))</failure>"
      } else if let programs = summary.unsupportedForms[form] {
        skipped += 1
        body =
          "<skipped message=\"\(escape("unsupported by \(summary.emulator): \(programs) program(s) not checked"))\"/>"
      }
      cases.append(
        "    <testcase classname=\"\(escape(suite))\" name=\"\(escape(form))\" time=\"0\">\(body)</testcase>")
    }
    var campaignBody = ""
    let problems =
      (summary.unknowns > 0 ? ["\(summary.unknowns) unknown verdict(s)"] : [])
      + (summary.emulatorFailures.isEmpty ? [] : ["\(summary.emulatorFailures.count) emulator failure(s)"])
      + (context.stopReason.map { ["stopped: \($0)"] } ?? [])
    if !problems.isEmpty && context.stopReason != "time budget reached" {
      errors += 1
      let detail = summary.emulatorFailures.prefix(20).joined(separator: "\n")
      campaignBody =
        "<error type=\"incomplete\" message=\"\(escape(problems.joined(separator: "; ")))\">\(escape(detail))</error>"
    }
    cases.append(
      "    <testcase classname=\"\(escape(suite))\" name=\"campaign\" time=\"\(String(format: "%.3f", seconds))\">\(campaignBody)</testcase>"
    )
    let name =
      "rvcheck fuzz --seed \(options.seed) --start \(options.start) --count \(options.count) --shard \(context.shard)"
    return """
      <?xml version="1.0" encoding="UTF-8"?>
      <testsuites name="rvcheck" tests="\(cases.count)" failures="\(failures)" errors="\(errors)" skipped="\(skipped)" time="\(String(format: "%.3f", seconds))">
        <testsuite name="\(escape(name))" tests="\(cases.count)" failures="\(failures)" errors="\(errors)" skipped="\(skipped)" time="\(String(format: "%.3f", seconds))">
      \(cases.joined(separator: "\n"))
        </testsuite>
      </testsuites>

      """
  }

  /// One result per finding, located at its `.rvt` file when the findings were written.
  static func sarif(_ summary: CampaignSummary, context: SummaryReport.Context) throws -> String {
    let rules = Set(summary.findings.flatMap { ruleNames($0.rules) }).sorted()
    let catalog = Dictionary(uniqueKeysWithValues: Rule.catalog.map { ($0.name, $0.reference) })
    let results = summary.findings.enumerated().map { number, finding -> [String: Any] in
      let names = ruleNames(finding.rules).sorted()
      var result: [String: Any] = [
        "ruleId": names.first ?? "violation", "level": "error",
        "message": [
          "text":
            "program \(finding.programIndex) of seed \(summary.options.seed) on \(summary.emulator) violates \(finding.rules.joined(separator: ", ")); observed differs in \(finding.observedParts.joined(separator: ", "))"
        ],
        "partialFingerprints": ["rvcheckFinding/v1": FindingStore.key(finding)],
      ]
      if let files = context.findingFiles, let folder = context.findingsFolder {
        result["locations"] = [
          [
            "physicalLocation": [
              "artifactLocation": ["uri": (folder as NSString).appendingPathComponent(files[number] + ".rvt")],
              "region": ["startLine": 1],
            ]
          ]
        ]
      }
      return result
    }
    let object: [String: Any] = [
      "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
      "runs": [
        [
          "tool": [
            "driver": [
              "name": "rvcheck", "informationUri": "https://github.com/riscv/riscv-isa-manual",
              "rules": rules.map { name -> [String: Any] in
                ["id": name, "shortDescription": ["text": catalog[name].map { "\(name) (\($0))" } ?? name]]
              },
            ]
          ],
          "results": results,
        ]
      ],
    ]
    let data = try JSONSerialization.data(
      withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
  }

  static func escape(_ text: String) -> String { markupEscaped(text) }
}
