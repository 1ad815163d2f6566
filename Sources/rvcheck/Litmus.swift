import ArgumentParser
import Foundation
import SpecModel

/// Judges litmus tests under RVWMO (or sequential consistency).
struct Litmus: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Decide whether litmus tests' conditions are allowed under RVWMO or SC (amocas included).")

  @Argument(help: "Litmus files (herd/diy RISC-V format).")
  var files: [String]

  @Option(name: .long, help: "Memory model: rvwmo or sc.")
  var model = "rvwmo"

  @Option(name: .long, help: "What a failed amocas does to memory: no-write, write-back or either.")
  var casFailure = "no-write"

  @Flag(name: .long, help: "List every allowed final state.")
  var states = false

  @Option(name: .long, help: "Output format: text or json.")
  var format: OutputFormat = .text

  func validate() throws {
    guard MemoryModelKind(rawValue: model) != nil else { throw ValidationError("unknown model '\(model)' (rvwmo, sc)") }
    guard FailedCASWrite(rawValue: casFailure) != nil else {
      throw ValidationError("unknown --cas-failure '\(casFailure)' (no-write, write-back, either)")
    }
  }

  func run() throws {
    var checker = LitmusChecker(model: MemoryModelKind(rawValue: model)!)
    checker.failedCAS = FailedCASWrite(rawValue: casFailure)!
    var reports: [[String: Any]] = []
    var inputErrors = 0
    var mismatches = 0
    for file in files {
      let test: LitmusTest
      do {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        test = try LitmusParser.parse(text, file: file)
        let result = try checker.check(test)
        // A file may state what it expects: `rvcheck: expect rvwmo Never; sc Never`.
        let stated = text.split(separator: "\n").first { $0.contains("rvcheck: expect") }.flatMap { line in
          line.components(separatedBy: "rvcheck: expect").last?.split(separator: ";").map {
            $0.split(separator: " ").map(String.init)
          }.first { $0.first == model }?.dropFirst().first
        }
        let agrees = stated.map { $0 == result.verdict.rawValue }
        if agrees == false { mismatches += 1 }
        switch format {
        case .text:
          var line =
            "\(test.name): \(result.verdict.rawValue) (\(test.condition.quantifier.rawValue) \(test.condition.expression)); executions \(result.positive) positive, \(result.negative) negative; \(result.states.count) final states"
          if let stated { line += agrees == true ? "; as stated" : "; MISMATCH: the file states \(stated)" }
          print(line)
          if !result.witness.isEmpty && result.verdict != .always {
            print("  witness: " + result.witness.joined(separator: ", "))
          }
          if states { for state in result.states { print("  " + state.joined(separator: " ")) } }
        case .json:
          var entry: [String: Any] = [
            "file": file, "name": test.name, "model": model, "verdict": result.verdict.rawValue,
            "positive": result.positive, "negative": result.negative, "states": result.states,
            "witness": result.witness,
          ]
          if let stated { entry["stated"] = stated }
          reports.append(entry)
        }
      } catch let error as LitmusError {
        inputErrors += 1
        report(error.description)
      } catch {
        inputErrors += 1
        report("\(file): error: \(error)")
      }
    }
    if format == .json {
      let data = try JSONSerialization.data(withJSONObject: reports, options: [.sortedKeys, .prettyPrinted])
      print(String(decoding: data, as: UTF8.self))
    }
    if mismatches > 0 { throw ExitCode(Status.violation) }
    if inputErrors > 0 { throw ExitCode(Status.inputError) }
  }
}
