import SpecModel

/// Whether a known deviation still shows on an emulator release: its reproducer is run there and
/// judged, so that a release that fixed it is noticed rather than silently matching nothing.
public enum KnownDeviationStatus: Equatable, Sendable {
  /// The reproducer still departs from the spec, and the probe (if any) still confirms the cause.
  case reproduces
  /// The reproducer's outcome is one the spec allows: the release no longer deviates.
  case noLongerReproduces
  /// The reproducer still departs from the spec, but the deviation's probe no longer confirms
  /// its cause: a different bug, or the same one changed.
  case changed(differences: [String])
  /// The emulator could not run the reproducer in a way the deviation explains, or the spec could
  /// not decide.
  case undecided(reason: String)

  /// Runs `deviation`'s reproducer on `emulator` and says what became of it.
  public static func of(_ deviation: KnownDeviation, on emulator: any Emulator) throws -> KnownDeviationStatus {
    let reproducer = deviation.reproducer
    let configuration = reproducer.configuration
    let executor = ConcreteExecutor(configuration: configuration)
    let program = reproducer.program
    let initial = reproducer.initialState(configuration.memoryMap)
    func outcome(_ program: [Instruction]) throws -> EmulatorOutcome {
      emulator.run([
        EmulatorCase(
          isa: configuration.isa, words: try Instruction.encoded(program), initial: initial,
          memoryMap: configuration.memoryMap)
      ])[0]
    }
    switch try outcome(program) {
    case .unsupported(let form):
      return .undecided(reason: "the emulator lacks \(form)")
    case .failed(let reason):
      let specTrap = executor.firstRun(program, initial: initial).trap
      guard deviation.probe?.explainsFailure(reason, program, specTrap: specTrap) == true else {
        return .undecided(reason: "the emulator failed: \(reason)")
      }
      return .reproduces
    case .finished(let observed):
      switch executor.judge(program, initial: initial, observed: observed) {
      case .allowed: return .noLongerReproduces
      case .undecided(let reason): return .undecided(reason: reason)
      case .notAllowed(_, let differences):
        guard let probe = deviation.probe else { return .reproduces }
        let specTrap = executor.firstRun(program, initial: initial).trap
        if let profile = probe.reinterpretation(program, reproducer.profile, specTrap: specTrap) {
          let reinterpreted = ConcreteExecutor(
            configuration: MachineConfiguration(
              isa: configuration.isa, profile: profile, memoryMap: configuration.memoryMap))
          if case .allowed = reinterpreted.judge(program, initial: initial, observed: observed) { return .reproduces }
        }
        if let changed = probe.neutralised(program), case .finished(let after) = try outcome(changed),
          case .allowed = executor.judge(changed, initial: initial, observed: after)
        {
          return .reproduces
        }
        return .changed(differences: differences)
      }
    }
  }
}
