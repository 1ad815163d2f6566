import ArgumentParser
import DiffCheck
import Foundation
import SpecModel

/// Proves the Linux RISC-V KVM ISA-extension policy of a kernel tree.
struct Policy: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Check a Linux tree's KVM ISA-extension enum, table and enable/disable policy; prove no disable path for ZACAS.")

  @Argument(help: "A Linux tree (reads arch/riscv/include/uapi/asm/kvm.h and arch/riscv/kvm/{isa,vcpu_onereg,vcpu}.c).")
  var tree: String?

  @Option(name: .long, help: "The uapi kvm.h, instead of a tree.")
  var header: String?

  @Option(name: .long, help: "The file with kvm_isa_ext_arr[] and the policy switches, instead of a tree.")
  var source: String?

  @Option(name: .long, help: "Report per-extension obligations for this extension only (e.g. ZACAS).")
  var ext: String?

  @Option(name: .long, help: "An older tree: its enum must be a prefix of this one's (uapi stability).")
  var baseline: String?

  @Option(
    name: .long,
    help:
      "A project mirroring the enum: selftest=FILE (get-reg-list.c), qemu=FILE (kvm-cpu.c) or kvmtool=FILE (riscv/fdt.c). Repeatable."
  )
  var mirror: [String] = []

  @Option(name: .long, help: "Output format: text, json, sarif or ktap.")
  var format: PolicyFormat = .text

  @Option(name: .long, help: "Also write the obligations as SARIF 2.1.0 to this file (for code scanning).")
  var sarif: String?

  @Option(name: .long, help: "Also write the obligations as KTAP to this file.")
  var ktap: String?

  @Option(
    name: .long,
    help:
      "With --ext: 'focus' fails only on the focused extension's violations (and counts the others), 'all' on any.")
  var failOn: FailOn = .focus

  enum FailOn: String, ExpressibleByArgument, CaseIterable {
    case focus, all
  }

  enum PolicyFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, sarif, ktap
  }

  func validate() throws {
    if tree == nil && (header == nil || source == nil) {
      throw ValidationError("give a Linux tree, or both --header and --source")
    }
    for entry in mirror {
      let parts = entry.split(separator: "=", maxSplits: 1)
      guard parts.count == 2, MirrorCheck.kinds.contains(String(parts[0])) else {
        throw ValidationError("--mirror takes KIND=FILE with KIND one of \(MirrorCheck.kinds.joined(separator: ", "))")
      }
    }
  }

  /// The tree (or files) and the baseline, read and parsed.
  private func mirrors(_ policy: KernelPolicy) throws(SourceError) -> [Obligation] {
    var results: [Obligation] = []
    for entry in mirror {
      let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
      results += try MirrorCheck.compare(policy, kind: parts[0], path: parts[1])
    }
    return results
  }

  private func load() throws(SourceError) -> (policy: KernelPolicy, baseline: KernelPolicy?) {
    let policy: KernelPolicy
    if let header, let source {
      policy = try KernelReader.read(header: header, policy: source)
    } else {
      policy = try KernelReader.read(tree: tree ?? ".")
    }
    return (policy, try baseline.map { path throws(SourceError) in try KernelReader.read(tree: path) })
  }

  /// An input error: on standard error, and as a JSON error object when the output is JSON, so
  /// that a consumer of the JSON never meets an empty document.
  private func inputError(_ error: SourceError) -> ExitCode {
    report(error.description)
    if format == .json {
      let object: [String: Any] = [
        "schema": "rvcheck.policy", "schemaVersion": 1,
        "error": ["file": error.file, "line": error.line, "column": error.column, "message": error.message],
      ]
      if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]) {
        print(String(decoding: data, as: UTF8.self))
      }
    }
    return ExitCode(Status.inputError)
  }

  func run() throws {
    let loaded: (policy: KernelPolicy, baseline: KernelPolicy?)
    do {
      loaded = try load()
    } catch {
      throw inputError(error)
    }
    let policy = loaded.policy
    let baselinePolicy = loaded.baseline
    if let ext, !policy.enumEntries.contains(where: { $0.name == ext.uppercased() }) {
      // A focus on a name the enum lacks would report nothing and pass.
      throw inputError(
        SourceError(
          file: policy.headerFile, line: 1, column: 1,
          message: "no extension \(ext.uppercased()) in enum KVM_RISCV_ISA_EXT_ID"))
    }
    var prover = PolicyProver(policy: policy)
    prover.focus = ext?.uppercased()
    var obligations = prover.run()
    // The focus hides other extensions' obligations; their violations are still counted.
    var hidden: [Obligation] = []
    if ext != nil {
      let shown = Set(obligations.map(\.name))
      hidden = PolicyProver(policy: policy).run().filter { $0.status == .violated && !shown.contains($0.name) }
    }
    if let baselinePolicy { obligations.append(BaselineCheck.compare(old: baselinePolicy, new: policy)) }
    do {
      obligations += try mirrors(policy)
    } catch {
      throw inputError(error)
    }
    switch format {
    case .text: print(PolicyReport.text(obligations))
    case .json: print(try PolicyReport.json(obligations))
    case .sarif: print(try PolicyReport.sarif(obligations))
    case .ktap: print(PolicyReport.ktap(obligations))
    }
    do {
      if let sarif {
        try FindingStore.writeAtomically(
          Array(try PolicyReport.sarif(obligations).utf8), to: URL(fileURLWithPath: sarif))
      }
      if let ktap {
        try FindingStore.writeAtomically(Array(PolicyReport.ktap(obligations).utf8), to: URL(fileURLWithPath: ktap))
      }
    } catch {
      report("rvcheck policy: \(error)")
      throw ExitCode(Status.inputError)
    }
    if !hidden.isEmpty {
      report(
        "rvcheck policy: --ext \(ext!.uppercased()) hid \(hidden.count) violation(s) of other extensions: "
          + hidden.map(\.name).joined(separator: ", ") + (failOn == .all ? "" : " (--fail-on all fails on them)"))
    }
    if obligations.contains(where: { $0.status == .violated }) || (failOn == .all && !hidden.isEmpty) {
      throw ExitCode(Status.violation)
    }
    if obligations.contains(where: { $0.status == .unknown }) { throw ExitCode(Status.unknown) }
  }
}

/// Renderings of policy obligations.
enum PolicyReport {
  static func text(_ obligations: [Obligation]) -> String {
    var lines: [String] = []
    for obligation in obligations where obligation.status != .proved {
      let severity = obligation.status == .warning ? "warning" : obligation.status == .unknown ? "note" : "error"
      let place = obligation.location.map { "\($0): " } ?? ""
      lines.append("\(place)\(severity): \(obligation.message) [\(obligation.name)]")
      for (number, call) in obligation.trace.enumerated() { lines.append("    \(number + 1). \(call)") }
    }
    if !lines.isEmpty { lines.append("") }
    // The name column fits the longest name, so a status never runs into it.
    let width = max(58, (obligations.map(\.name.count).max() ?? 0) + 2)
    lines.append("obligation".padding(toLength: width, withPad: " ", startingAt: 0) + "status     time")
    for obligation in obligations {
      lines.append(
        obligation.name.padding(toLength: width, withPad: " ", startingAt: 0)
          + obligation.status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
          + String(format: "%.3fs", obligation.seconds))
    }
    let violated = obligations.filter { $0.status == .violated }.count
    let unknown = obligations.filter { $0.status == .unknown }.count
    let warnings = obligations.filter { $0.status == .warning }.count
    lines.append("")
    lines.append(
      "\(obligations.count - violated - unknown - warnings) proved, \(violated) violated, \(unknown) unknown, \(warnings) warnings"
    )
    return lines.joined(separator: "\n")
  }

  /// SARIF 2.1.0: one result per obligation that is not proved, with its file and line.
  static func sarif(_ obligations: [Obligation]) throws -> String {
    let open = obligations.filter { $0.status != .proved }
    let rules = Array(Set(obligations.map(\.name))).sorted().map { name -> [String: Any] in
      ["id": name, "shortDescription": ["text": name]]
    }
    let results = open.map { obligation -> [String: Any] in
      var result: [String: Any] = [
        "ruleId": obligation.name,
        "level": obligation.status == .violated ? "error" : obligation.status == .warning ? "warning" : "note",
        "message": ["text": ([obligation.message] + obligation.trace).joined(separator: "\n")],
      ]
      if let location = obligation.location {
        result["locations"] = [
          [
            "physicalLocation": [
              "artifactLocation": ["uri": location.file],
              "region": ["startLine": location.line, "startColumn": location.column],
            ]
          ]
        ]
      }
      return result
    }
    let object: [String: Any] = [
      "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
      "runs": [["tool": ["driver": ["name": "rvcheck", "rules": rules]], "results": results]],
    ]
    let data = try JSONSerialization.data(
      withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
  }

  /// KTAP version 1, so kernel CI can read the verdicts: warnings pass with a diagnostic line.
  static func ktap(_ obligations: [Obligation]) -> String {
    var lines = ["KTAP version 1", "1..\(obligations.count)"]
    for (number, obligation) in obligations.enumerated() {
      let passed = obligation.status == .proved || obligation.status == .warning
      if !passed || obligation.status == .warning {
        let place = obligation.location.map { "\($0): " } ?? ""
        lines.append("# \(place)\(obligation.status.rawValue): \(obligation.message)")
        for call in obligation.trace { lines.append("#   \(call)") }
      }
      lines.append("\(passed ? "ok" : "not ok") \(number + 1) \(obligation.name)")
    }
    return lines.joined(separator: "\n")
  }

  static func json(_ obligations: [Obligation]) throws -> String {
    let rows: [[String: Any]] = obligations.map { obligation in
      var row: [String: Any] = [
        "name": obligation.name, "status": obligation.status.rawValue, "message": obligation.message,
        "trace": obligation.trace,
      ]
      if let location = obligation.location {
        row["file"] = location.file
        row["line"] = location.line
        row["column"] = location.column
      }
      return row
    }
    let object: [String: Any] = ["schema": "rvcheck.policy", "schemaVersion": 1, "obligations": rows]
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
    return String(decoding: data, as: UTF8.self)
  }
}
