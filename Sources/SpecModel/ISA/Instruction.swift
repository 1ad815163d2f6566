/// One decoded instruction: a table row plus its operand values.
public struct Instruction: Hashable, Sendable, CustomStringConvertible {
  /// Unretained: every form lives as long as the process (`FormRegistry`), so an instruction
  /// copies as plain bytes, and the per-step paths below reach the form without a retain.
  private let formReference: Unmanaged<InstructionForm>
  public var form: InstructionForm { formReference.takeUnretainedValue() }
  public var rd: Int
  public var rs1: Int
  public var rs2: Int
  /// Sign-extended immediate, branch/jump offset, shift amount, or the 20-bit upper immediate.
  public var immediate: Int64
  public var aq: Bool
  public var rl: Bool
  /// FENCE predecessor and successor sets (bits i, o, r, w from high to low).
  public var pred: UInt8
  public var succ: UInt8

  public init(
    _ form: InstructionForm, rd: Int = 0, rs1: Int = 0, rs2: Int = 0, immediate: Int64 = 0,
    aq: Bool = false, rl: Bool = false, pred: UInt8 = 0, succ: UInt8 = 0
  ) {
    self.formReference = .passUnretained(form)
    self.rd = rd
    self.rs1 = rs1
    self.rs2 = rs2
    self.immediate = immediate
    self.aq = aq
    self.rl = rl
    self.pred = pred
    self.succ = succ
  }

  public var mnemonic: String { form.mnemonic }

  /// The mnemonic with its ordering suffix, as objdump prints it.
  public var fullMnemonic: String {
    guard form.format.hasOrdering else { return form.mnemonic }
    switch (aq, rl) {
    case (true, true): return form.mnemonic + ".aqrl"
    case (true, false): return form.mnemonic + ".aq"
    case (false, true): return form.mnemonic + ".rl"
    case (false, false): return form.mnemonic
    }
  }

  public var description: String { assembly }

  public static func == (l: Instruction, r: Instruction) -> Bool {
    l.rd == r.rd && l.rs1 == r.rs1 && l.rs2 == r.rs2 && l.immediate == r.immediate && l.aq == r.aq && l.rl == r.rl
      && l.pred == r.pred && l.succ == r.succ && l.form == r.form
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(form)
    hasher.combine(rd)
    hasher.combine(rs1)
    hasher.combine(rs2)
    hasher.combine(immediate)
    hasher.combine(aq)
    hasher.combine(rl)
    hasher.combine(pred)
    hasher.combine(succ)
  }

  /// `body` applied to the form, which is not retained for it: for the paths that run at every
  /// step of every run.
  @inline(__always) public func withForm<Result>(_ body: (InstructionForm) -> Result) -> Result {
    formReference._withUnsafeGuaranteedRef(body)
  }

  /// The form's format, access width and kind, read without retaining the form.
  public var format: Format { withForm { $0.format } }
  public var accessBytes: Int? { withForm { $0.accessBytes } }
  public var isCompareAndSwap: Bool { withForm { $0.isCompareAndSwap } }
  public func usesRegisterPairs(xlen: Int) -> Bool { withForm { $0.usesRegisterPairs(xlen: xlen) } }

  /// Runs the form's semantics on `step` for this instruction.
  @inline(__always) func execute(on step: inout StepBuilder) {
    formReference._withUnsafeGuaranteedRef { $0.execute(&step, self) }
  }
}
