import Foundation

/// What a lemma asks of the solver: under `premises`, `conclusion` always holds.
public struct LemmaQuery {
  public var premises: [Formula]
  public var conclusion: Formula
  /// Terms to print when a counterexample is found.
  public var witnesses: [(String, BitVec)]
}

/// A named theorem about the spec, proved by showing that its negation is unsatisfiable.
public struct Lemma: Sendable {
  public let name: String
  public let statement: String
  public let isa: String
  public let profile: Profile
  let build: @Sendable (LemmaContext) throws -> LemmaQuery

  public init(
    _ name: String, _ statement: String, isa: String, profile: Profile = .permissive,
    build: @escaping @Sendable (LemmaContext) throws -> LemmaQuery
  ) {
    self.name = name
    self.statement = statement
    self.isa = isa
    self.profile = profile
    self.build = build
  }
}

/// Helpers a lemma uses to run programs symbolically.
public struct LemmaContext {
  public let z3: Z3Context
  public let executor: SymbolicExecutor
  public var xlen: Int { executor.configuration.isa.xlen }

  /// A state with free registers and memory.
  public func initial(_ prefix: String) -> MachineState {
    .initial(prefix: prefix, xlen: xlen, in: z3)
  }

  /// The single path of a straight-line program, with its constraints as formulas.
  public func run(_ assembly: String, from state: MachineState, prefix: String) throws -> (
    final: MachineState, constraints: [Formula]
  ) {
    let paths = try runAll(assembly, from: state, prefix: prefix)
    guard paths.count == 1, let path = paths.first else {
      throw LemmaError(message: "'\(assembly)' is not straight-line")
    }
    return (path.final, [path.condition] + path.constraints.map(\.formula))
  }

  public func runAll(_ assembly: String, from state: MachineState, prefix: String) throws -> [ExecutionPath] {
    let program = try Assembler.assemble(assembly, xlen: xlen)
    return executor.run(program, from: state, prefix: prefix)
  }

  public func register(_ name: String) -> Int { RegisterNames.number(name) ?? 0 }
}

public struct LemmaError: Error, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}

/// The outcome of proving one lemma.
public enum LemmaOutcome: Equatable {
  case proved
  /// Values of the witnesses in a state that breaks the lemma.
  case counterexample([String])
  case unknown(String)
}

public struct LemmaResult {
  public let lemma: Lemma
  public let outcome: LemmaOutcome
  public let seconds: Double
}

public enum Prover {
  public static func prove(_ lemma: Lemma, timeoutMilliseconds: UInt32 = 30_000) -> LemmaResult {
    let start = Date()
    let outcome: LemmaOutcome
    do {
      let isa = try ISAString(parsing: lemma.isa)
      let z3 = Z3Context()
      let executor = SymbolicExecutor(
        z3: z3, configuration: MachineConfiguration(isa: isa, profile: lemma.profile), maxSteps: 16)
      let query = try lemma.build(LemmaContext(z3: z3, executor: executor))
      let solver = Solver(context: z3, timeoutMilliseconds: timeoutMilliseconds)
      for premise in query.premises { solver.assert(premise) }
      solver.assert(!query.conclusion)
      switch try solver.check() {
      case .unsat: outcome = .proved
      case .sat(let model):
        outcome = .counterexample(
          query.witnesses.map { name, term in
            "\(name) = 0x\(String(model.value(term) ?? 0, radix: 16))"
          })
      case .unknown(let reason): outcome = .unknown(reason)
      }
    } catch {
      outcome = .unknown("\(error)")
    }
    return LemmaResult(lemma: lemma, outcome: outcome, seconds: Date().timeIntervalSince(start))
  }
}
