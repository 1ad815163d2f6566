import ArgumentParser
import Foundation
import SpecModel

/// Benchmarks; each prints its figures with the command that produced them.
struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure rvcheck: solver memory over many queries (more benchmarks in BENCHMARKS.md).")

  @Option(name: .long, help: "Queries for the solver-memory benchmark.")
  var queries = 100_000

  @Flag(name: .long, help: "Run only the solver-memory benchmark and print its figures as key=value.")
  var solverMemory = false

  func validate() throws {
    guard queries > 0 else { throw ValidationError("--queries must be positive") }
  }

  func run() throws {
    let start = Date()
    let report = try SolverMemoryProbe.run(queries: queries)
    let seconds = Date().timeIntervalSince(start)
    print(
      "solver-memory queries=\(report.queries) warm-rss=\(report.warmBytes) final-rss=\(report.finalBytes) growth=\(report.growthBytes) seconds=\(String(format: "%.2f", seconds))"
    )
  }
}
