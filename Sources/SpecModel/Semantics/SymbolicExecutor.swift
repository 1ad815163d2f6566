/// A constraint of one executed instruction, tracked under its rule.
public struct TrackedConstraint {
  public let formula: Formula
  public let rule: Rule
  /// Index of the instruction in the program.
  public let instructionIndex: Int

  /// The name the solver tracks it under: `rule@index`.
  public var trackingName: String { "\(rule.name)@\(instructionIndex)" }
}

/// One path through a program: its condition, final state and the constraints along it.
public struct ExecutionPath {
  public let condition: Formula
  public let final: MachineState
  public let constraints: [TrackedConstraint]
  /// Program indices in the order executed.
  public let trace: [Int]
  /// False when the step bound, or the bound on writes at symbolic addresses, cut the path short.
  public let complete: Bool
}

/// What the spec needs to know about the machine a program runs on.
public struct MachineConfiguration: Sendable, Hashable {
  public let isa: ISAString
  public let profile: Profile
  public let memoryMap: MemoryMap
  /// Address of the program's first instruction.
  public let codeBase: UInt64

  public init(isa: ISAString, profile: Profile, memoryMap: MemoryMap? = nil, codeBase: UInt64 = 0x8000_0000) {
    self.isa = isa
    self.profile = profile
    self.memoryMap = memoryMap ?? .standard(xlen: isa.xlen)
    self.codeBase = codeBase
  }
}

/// Symbolic execution of a program under the spec: the relation between initial and final state,
/// forking at branches whose direction the state decides.
public struct SymbolicExecutor {
  public let z3: Z3Context
  public let configuration: MachineConfiguration
  public var maxSteps: Int

  /// Bytes written at symbolic addresses on one path before it is cut short.
  public static let maxSymbolicWriteBytes = 128

  public init(z3: Z3Context, configuration: MachineConfiguration, maxSteps: Int = 256) {
    self.z3 = z3
    self.configuration = configuration
    self.maxSteps = maxSteps
  }

  /// The outcome of one step.
  public struct StepResult {
    public let post: MachineState
    public let constraints: [TrackedConstraint]
    public let branch: (taken: Formula, offset: Int64)?
    public let notes: [String: Formula]
  }

  /// Applies one instruction to `state`; variables it creates are named with `name`.
  public func step(_ instruction: Instruction, at index: Int, from state: MachineState, name: String) -> StepResult {
    let pc = configuration.codeBase &+ UInt64(index) * 4
    let symbolic = SymbolicStep(z3: z3, pre: state, name: name, pc: pc)
    var builder = StepBuilder(
      context: StepBuilder.Context(configuration), instruction: instruction, pc: pc, backend: .symbolic(symbolic))
    if configuration.isa.contains(instruction.form) {
      instruction.form.execute(&builder, instruction)
    } else {
      builder.illegalInstruction(when: Formula(true), .illegalInstruction)
    }
    let (post, constraints) = symbolic.finish()
    let tracked = constraints.map { TrackedConstraint(formula: $0.0, rule: $0.1, instructionIndex: index) }
    return StepResult(post: post, constraints: tracked, branch: symbolic.branch, notes: symbolic.notes)
  }

  /// Every path through `program` from `initial`. Names are prefixed with `prefix` so that two
  /// programs can share one solver.
  public func run(_ program: [Instruction], from initial: MachineState, prefix: String = "") -> [ExecutionPath] {
    struct Pending {
      var index: Int
      var state: MachineState
      var condition: Formula
      var constraints: [TrackedConstraint]
      var trace: [Int]
      var path: String
    }
    var finished: [ExecutionPath] = []
    var work = [Pending(index: 0, state: initial, condition: z3.trueFormula, constraints: [], trace: [], path: "")]
    while var current = work.popLast() {
      var cut = false
      while current.index >= 0 && current.index < program.count {
        if current.trace.count >= maxSteps {
          finished.append(
            ExecutionPath(
              condition: current.condition, final: current.state, constraints: current.constraints,
              trace: current.trace, complete: false))
          break
        }
        let name = "\(prefix)s\(current.trace.count)\(current.path)."
        let result = step(program[current.index], at: current.index, from: current.state, name: name)
        current.state = result.post
        current.constraints += result.constraints
        current.trace.append(current.index)
        // Every read goes through every write at a symbolic address (an address loaded from memory
        // the program wrote): past this many bytes the terms take minutes to build. Cut short.
        if current.state.memory.symbolicWriteCount > Self.maxSymbolicWriteBytes {
          finished.append(
            ExecutionPath(
              condition: current.condition, final: current.state, constraints: current.constraints,
              trace: current.trace, complete: false))
          cut = true
          break
        }
        guard let branch = result.branch else {
          current.index += 1
          continue
        }
        // A halted program does not branch. A direction that cannot happen is not explored: a
        // chain of jumps would otherwise double the paths at every one.
        let taken = (!current.state.trap.trapped && branch.taken).simplified
        let target = current.index + Int(branch.offset / 4)
        if taken.isTrue {
          current.index = target
          continue
        }
        if taken.isFalse {
          current.index += 1
          continue
        }
        var other = current
        other.index += 1
        other.condition = current.condition && !taken
        other.path += "f"
        current.index = target
        current.condition = current.condition && taken
        current.path += "t"
        work.append(other)
      }
      if !cut && (current.index < 0 || current.index >= program.count) {
        finished.append(
          ExecutionPath(
            condition: current.condition, final: current.state, constraints: current.constraints,
            trace: current.trace, complete: true))
      }
    }
    return finished
  }
}
