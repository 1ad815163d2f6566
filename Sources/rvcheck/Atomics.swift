import ArgumentParser
import DiffCheck
import Foundation
import SpecModel

/// Proves a kernel tree's RISC-V xchg/cmpxchg on one hart against the spec.
struct Atomics: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Prove a Linux tree's RISC-V xchg/cmpxchg (LR/SC, Zacas, Zabha paths) against the spec.",
    discussion: """
      Expands arch/riscv/include/asm/cmpxchg.h with the system's cpp and rvcheck's stub headers, once per \
      boot path (no Zacas config, LR/SC, Zabha, Zacas, Zabha+Zacas) and XLEN, reads the asm each primitive \
      expands to, and proves for any values of the C types: the old value is returned, memory takes the new \
      value exactly when it should, neighbouring bytes keep theirs, and nothing traps. Exit status: 0 all \
      proved, 1 an obligation fails, 2 input error, 3 unknown.
      """)

  @Argument(help: "A Linux tree (reads arch/riscv/include/asm/cmpxchg.h and the headers it includes).")
  var tree: String

  @Option(name: .long, help: "XLENs to prove, comma-separated.")
  var xlen: String = "64,32"

  @Option(
    name: .long,
    help: "Boot paths, comma-separated (default: all of \(AtomicsBootPath.all.map(\.name).joined(separator: ", "))).")
  var path: String?

  @Option(name: .long, help: "Only primitives whose name starts with this (e.g. cmpxchg_acquire).")
  var only: String?

  @Option(
    name: .long,
    help:
      "Ordering shapes to check, comma-separated (default: all of \(AtomicsProver.Obligation.shapeNames)); none: the functional obligations only."
  )
  var shapes: String?

  @Option(name: .long, help: "Output format: text, json, sarif or ktap.")
  var format: Format = .text

  @Option(name: .long, help: "Also write the failed and unknown obligations as SARIF 2.1.0 to this file.")
  var sarif: String?

  @Option(name: .long, help: "Also write the rows as KTAP to this file.")
  var ktap: String?

  @Option(
    name: .long, parsing: .upToNextOption,
    help:
      "Kernel C litmus tests (files or folders of .litmus) to compile through the tree on each boot path and XLEN: the compiled test may reach no final state the LKMM forbids."
  )
  var litmus: [String] = []

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text, json, sarif, ktap
  }

  func run() throws {
    var prover = AtomicsProver(root: tree)
    let xlens = xlen.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !xlens.isEmpty, xlens.allSatisfy({ $0 == 32 || $0 == 64 }) else {
      FileHandle.standardError.write(Data("rvcheck atomics: --xlen takes 32 and/or 64\n".utf8))
      throw ExitCode(Status.inputError)
    }
    prover.xlens = xlens
    if let path {
      let names = path.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
      let unknown = names.filter { name in !AtomicsBootPath.all.contains { $0.name == name } }
      guard unknown.isEmpty else {
        FileHandle.standardError.write(Data("rvcheck atomics: no boot path '\(unknown[0])'\n".utf8))
        throw ExitCode(Status.inputError)
      }
      prover.paths = AtomicsBootPath.all.filter { names.contains($0.name) }
    }
    if let only { prover.primitives = prover.primitives.filter { $0.name.hasPrefix(only) } }
    if let shapes {
      let names = shapes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
      if names != ["none"] {
        let chosen = names.map { name in AtomicsProver.Obligation.shapes.first { $0.rawValue == name } }
        if let unknown = zip(names, chosen).first(where: { $0.1 == nil })?.0 {
          FileHandle.standardError.write(
            Data(
              "rvcheck atomics: no ordering shape '\(unknown)' (shapes: \(AtomicsProver.Obligation.shapeNames), or none)\n"
                .utf8))
          throw ExitCode(Status.inputError)
        }
        prover.shapes = Set(chosen.compactMap { $0 })
      } else {
        prover.shapes = []
      }
    }
    if !litmus.isEmpty {
      for file in try inputFiles(litmus, suffix: ".litmus", kind: "tests", command: "atomics") {
        do {
          let text = try String(contentsOfFile: file, encoding: .utf8)
          prover.litmusTests.append((file, try KernelLitmusParser.parse(text, file: file)))
        } catch let error as LitmusError {
          FileHandle.standardError.write(Data("rvcheck atomics: \(error)\n".utf8))
          throw ExitCode(Status.inputError)
        } catch {
          FileHandle.standardError.write(Data("rvcheck atomics: \(file): \(error.localizedDescription)\n".utf8))
          throw ExitCode(Status.inputError)
        }
      }
    }
    let report: AtomicsProver.Report
    do { report = try prover.prove() } catch {
      FileHandle.standardError.write(Data("rvcheck atomics: \(error.message)\n".utf8))
      throw ExitCode(Status.inputError)
    }
    switch format {
    case .text: print(AtomicsText.render(report))
    case .json: print(AtomicsText.json(report))
    case .sarif: print(AtomicsText.sarif(report))
    case .ktap: print(AtomicsText.ktap(report))
    }
    do {
      if let sarif {
        try FindingStore.writeAtomically(Array(AtomicsText.sarif(report).utf8), to: URL(fileURLWithPath: sarif))
      }
      if let ktap {
        try FindingStore.writeAtomically(Array(AtomicsText.ktap(report).utf8), to: URL(fileURLWithPath: ktap))
      }
    } catch {
      FileHandle.standardError.write(Data("rvcheck atomics: \(error)\n".utf8))
      throw ExitCode(Status.inputError)
    }
    if report.exitCode != 0 { throw ExitCode(report.exitCode) }
  }
}

/// The report as a table (a row per primitive, size, boot path and XLEN) and as JSON.
enum AtomicsText {
  static func verdictWord(_ verdict: AtomicsProver.Verdict) -> String {
    switch verdict {
    case .proved: "proved"
    case .allowed: "allowed"
    case .failed: "FAILS"
    case .unknown: "unknown"
    }
  }

  static func render(_ report: AtomicsProver.Report) -> String {
    var lines = ["rvcheck atomics \(report.root)", ""]
    let obligations = AtomicsProver.Obligation.allCases
    // The first columns as wide as their widest entry.
    let shown = report.rows.filter { $0.verdicts != nil || $0.unknown != nil }
    let widths = [
      (shown.map(\.primitive.name.count) + [9]).max()! + 2, (shown.map(\.primitive.typeName.count) + [4]).max()! + 2,
      (shown.map(\.path.name.count) + [4]).max()! + 2, 6,
    ]
    // Obligation columns as wide as their names or their widest word.
    func column(_ text: String, _ name: String) -> String {
      text.padding(toLength: max(name.count, 7) + 2, withPad: " ", startingAt: 0)
    }
    lines.append(
      zip(["primitive", "type", "path", "xlen"], widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
        .joined()
        + obligations.map { column($0.rawValue, $0.rawValue) }.joined())
    lines.append(
      "(ordering shapes, MP-writer on: \"allowed\" where the LKMM itself allows the outcome; \"-\" not checked at this size or left out by --shapes)"
    )
    var details: [String] = []
    for row in report.rows where row.verdicts != nil || row.unknown != nil {
      let cells = [row.primitive.name, row.primitive.typeName, row.path.name, "RV\(row.xlen)"]
      let verdicts =
        row.verdicts.map { verdicts in obligations.map { verdicts[$0].map(verdictWord) ?? "-" } }
        ?? obligations.map { _ in "unknown" }
      lines.append(
        zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined()
          + zip(verdicts, obligations).map { column($0, $1.rawValue) }.joined())
      let where_ = "\(row.primitive.description) on \(row.path.name), RV\(row.xlen)"
      if let unknown = row.unknown { details.append("unknown: \(where_): \(unknown)") }
      for obligation in obligations {
        switch row.verdicts?[obligation] {
        case .failed(let counterexample)?:
          details.append(
            "FAILS \(obligation.rawValue): \(where_)\n  " + counterexample.replacingOccurrences(of: "\n", with: "\n  "))
        case .unknown(let reason)?: details.append("unknown \(obligation.rawValue): \(where_): \(reason)")
        default: break
        }
      }
    }
    let checked = report.rows.filter { $0.verdicts != nil || $0.unknown != nil }.count
    let absent = report.rows.count - checked
    lines.append("")
    lines += details
    if !details.isEmpty { lines.append("") }
    lines.append("\(checked) primitive rows checked, \(absent) not provided by the tree (BUILD_BUG or undefined)")
    if !report.suite.isEmpty { lines += [""] + suite(report.suite) }
    for (name, location) in report.unread {
      lines.append("unknown: \(location): the tree defines \(name), which rvcheck does not read yet")
    }
    if !report.emptyStubs.isEmpty {
      lines.append("headers taken as empty: " + report.emptyStubs.joined(separator: ", "))
    }
    if !report.standardMapping.isEmpty {
      lines.append(
        "the tree defines no " + report.standardMapping.joined(separator: ", ")
          + ": the ordering shapes use the standard mapping (fence rw,rw; load, fence r,rw; fence rw,w, store)")
    }
    lines.append(String(format: "%.1f s; exit %d", report.seconds, report.exitCode))
    return lines.joined(separator: "\n")
  }

  /// The C tests compiled through the tree: a line per test with its verdicts over the boot paths
  /// and XLENs, then each failure's compiled test and the states it reaches.
  static func suite(_ rows: [AtomicsProver.SuiteRow]) -> [String] {
    var lines = ["kernel litmus tests compiled through the tree (every boot path and XLEN):"]
    var details: [String] = []
    var order: [String] = []
    var byTest: [String: [AtomicsProver.SuiteRow]] = [:]
    for row in rows {
      if byTest[row.file] == nil { order.append(row.file) }
      byTest[row.file, default: []].append(row)
    }
    var counts: [String: Int] = [:]
    var partly = 0
    for file in order {
      let entries = byTest[file] ?? []
      let name = entries.first?.test ?? file
      if let skipped = entries.first(where: { $0.skipped != nil })?.skipped, entries.allSatisfy({ $0.verdict == nil }) {
        lines.append("  \(name.padding(toLength: 60, withPad: " ", startingAt: 0)) not compiled: \(skipped)")
        counts["not compiled", default: 0] += 1
        continue
      }
      var words: [String: Int] = [:]
      for entry in entries {
        let word = entry.verdict.map(verdictWord) ?? "not compiled"
        words[word, default: 0] += 1
        let place = "\(name) on \(entry.path.name), RV\(entry.xlen)"
        switch entry.verdict {
        case .failed(let text)?:
          details.append("FAILS \(place)\n  " + text.replacingOccurrences(of: "\n", with: "\n  "))
        case .unknown(let reason)?: details.append("unknown \(place): \(reason)")
        default: break
        }
      }
      // The paths a test is not compiled on, by reason (the queued lock of the Zabha paths).
      var reasons: [String: [String]] = [:]
      for entry in entries where entry.verdict == nil {
        reasons[entry.skipped ?? "", default: []].append("\(entry.path.name) RV\(entry.xlen)")
      }
      if !reasons.isEmpty { partly += 1 }
      for (reason, places) in reasons.sorted(by: { $0.key < $1.key }) {
        details.append("not compiled \(name) on \(places.joined(separator: ", ")): \(reason)")
      }
      let summary = words.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
      lines.append("  \(name.padding(toLength: 60, withPad: " ", startingAt: 0)) \(summary)")
      let worst = words["FAILS"] != nil ? "FAILS" : words["unknown"] != nil ? "unknown" : "proved"
      counts[worst, default: 0] += 1
    }
    lines += details
    lines.append(
      "\(order.count) tests: "
        + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        + (partly > 0 ? " (\(partly) of them not compiled on some boot paths or XLENs)" : ""))
    return lines
  }

  /// Where a row is: the primitive, its type, boot path and XLEN.
  static func place(_ row: AtomicsProver.Row) -> String {
    "\(row.primitive.name)(\(row.primitive.typeName)) on \(row.path.name), RV\(row.xlen)"
  }

  /// Each obligation that fails or is unknown, with its row's text.
  static func open(_ row: AtomicsProver.Row) -> [(obligation: String, failed: Bool, text: String)] {
    if let unknown = row.unknown { return [("read", false, unknown)] }
    return AtomicsProver.Obligation.allCases.compactMap { obligation in
      switch row.verdicts?[obligation] {
      case .failed(let text)?: (obligation.rawValue, true, text)
      case .unknown(let reason)?: (obligation.rawValue, false, reason)
      default: nil
      }
    }
  }

  /// SARIF 2.1.0: a result per failed (error) or unknown (note) obligation, at the primitive's
  /// `#define` in the tree's header.
  static func sarif(_ report: AtomicsProver.Report) -> String {
    var results: [[String: Any]] = []
    for row in report.rows {
      for entry in open(row) {
        var result: [String: Any] = [
          "ruleId": "atomics.\(entry.obligation)", "level": entry.failed ? "error" : "note",
          "message": ["text": "\(place(row)): \(entry.failed ? "fails" : "unknown")\n\(entry.text)"],
        ]
        result["locations"] = [
          [
            "physicalLocation": [
              "artifactLocation": ["uri": row.definition?.file ?? AtomicsProver.header],
              "region": ["startLine": row.definition?.line ?? 1],
            ]
          ]
        ]
        results.append(result)
      }
    }
    // A compiled C test that fails or is unknown, located at its litmus file.
    for row in report.suite {
      let text: String
      let failed: Bool
      switch row.verdict {
      case .failed(let counterexample)?: (text, failed) = (counterexample, true)
      case .unknown(let reason)?: (text, failed) = (reason, false)
      default: continue
      }
      results.append([
        "ruleId": "atomics.litmus", "level": failed ? "error" : "note",
        "message": ["text": "\(row.test) on \(row.path.name), RV\(row.xlen): \(failed ? "fails" : "unknown")\n\(text)"],
        "locations": [["physicalLocation": ["artifactLocation": ["uri": row.file], "region": ["startLine": 1]]]],
      ])
    }
    let rules = (["read", "litmus"] + AtomicsProver.Obligation.allCases.map(\.rawValue)).map { name -> [String: Any] in
      ["id": "atomics.\(name)", "shortDescription": ["text": name]]
    }
    let object: [String: Any] = [
      "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
      "runs": [["tool": ["driver": ["name": "rvcheck", "rules": rules]], "results": results]],
    ]
    guard
      let data = try? JSONSerialization.data(
        withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    else { return "{}" }
    return String(decoding: data, as: UTF8.self)
  }

  /// KTAP version 1: a test per row the tree provides, not ok when an obligation fails or is unknown.
  static func ktap(_ report: AtomicsProver.Report) -> String {
    let rows = report.rows.filter { $0.verdicts != nil || $0.unknown != nil }
    let compiled = report.suite.filter { $0.verdict != nil }
    var lines = ["KTAP version 1", "1..\(rows.count + compiled.count)"]
    for (number, row) in rows.enumerated() {
      let entries = open(row)
      for entry in entries {
        let first = entry.text.split(separator: "\n").first.map(String.init) ?? ""
        lines.append("# \(entry.obligation) \(entry.failed ? "fails" : "unknown"): \(first)")
      }
      lines.append("\(entries.isEmpty ? "ok" : "not ok") \(number + 1) \(place(row))")
    }
    // Each compiled C test on each boot path and XLEN: a test of its own.
    for (number, row) in compiled.enumerated() {
      var ok = true
      if case .failed(let text)? = row.verdict {
        ok = false
        lines.append("# litmus fails: " + (text.split(separator: "\n").first.map(String.init) ?? ""))
      }
      if case .unknown(let reason)? = row.verdict {
        ok = false
        lines.append("# litmus unknown: \(reason)")
      }
      lines.append(
        "\(ok ? "ok" : "not ok") \(rows.count + number + 1) litmus \(row.test) on \(row.path.name), RV\(row.xlen)")
    }
    return lines.joined(separator: "\n")
  }

  static func json(_ report: AtomicsProver.Report) -> String {
    let rows: [[String: Any]] = report.rows.map { row in
      var object: [String: Any] = [
        "primitive": row.primitive.name, "type": row.primitive.typeName, "bytes": row.primitive.bytes,
        "path": row.path.name, "xlen": row.xlen,
      ]
      if let absent = row.absent { object["absent"] = absent }
      if let definition = row.definition { object["definition"] = ["file": definition.file, "line": definition.line] }
      if let unknown = row.unknown { object["unknown"] = unknown }
      if let verdicts = row.verdicts {
        object["obligations"] = Dictionary(
          uniqueKeysWithValues: verdicts.map { obligation, verdict -> (String, Any) in
            switch verdict {
            case .proved: (obligation.rawValue, ["verdict": "proved"])
            case .allowed: (obligation.rawValue, ["verdict": "allowed by the LKMM"])
            case .failed(let text): (obligation.rawValue, ["verdict": "fails", "counterexample": text])
            case .unknown(let reason): (obligation.rawValue, ["verdict": "unknown", "reason": reason])
            }
          })
      }
      return object
    }
    let suite: [[String: Any]] = report.suite.map { row in
      var object: [String: Any] = ["test": row.test, "file": row.file, "path": row.path.name, "xlen": row.xlen]
      switch row.verdict {
      case .proved?: object["verdict"] = "proved"
      case .allowed?: object["verdict"] = "allowed by the LKMM"
      case .failed(let text)?:
        object["verdict"] = "fails"
        object["counterexample"] = text
      case .unknown(let reason)?:
        object["verdict"] = "unknown"
        object["reason"] = reason
      case nil:
        object["verdict"] = "not compiled"
        object["reason"] = row.skipped ?? ""
      }
      return object
    }
    let object: [String: Any] = [
      "schema": "rvcheck.atomics", "schemaVersion": 1, "tree": report.root, "rows": rows, "litmus": suite,
      "emptyStubs": report.emptyStubs, "standardMapping": report.standardMapping, "exitCode": report.exitCode,
      "unread": report.unread.map { ["name": $0.name, "file": $0.location.file, "line": $0.location.line] },
      "seconds": report.seconds,
    ]
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]) else {
      return "{}"
    }
    return String(decoding: data, as: UTF8.self)
  }
}
