import ArgumentParser
import Foundation
import SpecModel

/// Proves the named lemmas about the spec.
struct Prove: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Prove the spec's lemmas; print each with its time, or a counterexample.")

  @Option(name: .long, help: "Prove only lemmas whose name contains this text.")
  var filter: String?

  @Option(name: .long, parsing: .unconditional, help: "Per-lemma solver timeout in milliseconds.")
  var timeout: UInt32 = 30_000

  @Flag(name: .long, help: "List the lemmas without proving them.")
  var list = false

  func run() throws {
    let lemmas = SpecLemmas.all.filter { filter == nil || $0.name.contains(filter ?? "") }
    guard !lemmas.isEmpty else {
      FileHandle.standardError.write(Data("rvcheck prove: no lemma matches '\(filter ?? "")'\n".utf8))
      throw ExitCode(Status.inputError)
    }
    if list {
      for lemma in lemmas { print("\(lemma.name)\n    \(lemma.statement)") }
      return
    }
    var refuted = false
    var undecided = false
    for lemma in lemmas {
      let result = Prover.prove(lemma, timeoutMilliseconds: timeout)
      let time = String(format: "%.3fs", result.seconds)
      switch result.outcome {
      case .proved:
        print("proved   \(time)  \(lemma.name)")
      case .counterexample(let values):
        print(
          "FAILED   \(time)  \(lemma.name)\n    \(lemma.statement)\n    counterexample: \(values.joined(separator: ", "))"
        )
        refuted = true
      case .unknown(let reason):
        print("unknown  \(time)  \(lemma.name): \(reason)")
        undecided = true
      }
    }
    // A refuted lemma outranks one the solver could not decide.
    if refuted { throw ExitCode(Status.violation) }
    if undecided { throw ExitCode(Status.unknown) }
  }
}
