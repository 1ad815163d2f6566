/// Emits the machine code of the harnesses that run test cases on real emulators. It covers the
/// handful of RV32I/RV64I, CSR and system instructions a harness needs, with forward and backward
/// labels. It is separate from SpecModel's encoder on purpose: the harness should not inherit a bug
/// of the specification it helps to test.
struct MachineCode {
  let xlen: Int
  let base: UInt64
  private(set) var words: [UInt32] = []
  private var labels: [String: Int] = [:]
  private var fixups: [(at: Int, label: String, kind: FixupKind)] = []

  private enum FixupKind { case branch, jump }

  init(xlen: Int, base: UInt64) {
    self.xlen = xlen
    self.base = base
  }

  /// Register numbers by ABI name, for readable harness code.
  enum Reg: UInt32 {
    case zero = 0
    case ra, sp, gp, tp, t0, t1, t2, s0, s1, a0, a1, a2, a3, a4, a5, a6, a7
    case s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, t3, t4, t5, t6
  }

  /// Control and status registers the harnesses use (privileged spec, table 2.5).
  enum CSR: UInt32 {
    case mstatus = 0x300
    case mtvec = 0x305
    case mscratch = 0x340
    case mepc = 0x341
    case mcause = 0x342
    case mtval = 0x343
    case pmpcfg0 = 0x3A0
    case mhartid = 0xF14
    case pmpaddr0 = 0x3B0
  }

  var address: UInt64 { base + UInt64(words.count * 4) }
  var bytes: [UInt8] { words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } } }

  mutating func label(_ name: String) {
    precondition(labels[name] == nil, "label \(name) defined twice")
    labels[name] = words.count
  }

  func address(of name: String) -> UInt64? { labels[name].map { base + UInt64($0 * 4) } }

  /// Resolves label references; every referenced label must be defined.
  mutating func link() {
    for fixup in fixups {
      guard let target = labels[fixup.label] else { preconditionFailure("undefined label \(fixup.label)") }
      let offset = Int64(target - fixup.at) * 4
      switch fixup.kind {
      case .branch: words[fixup.at] |= Self.branchImmediate(offset)
      case .jump: words[fixup.at] |= Self.jumpImmediate(offset)
      }
    }
    fixups.removeAll()
  }

  // MARK: Formats

  private mutating func r(_ funct7: UInt32, _ rs2: UInt32, _ rs1: Reg, _ funct3: UInt32, _ rd: Reg, _ opcode: UInt32) {
    words.append(funct7 << 25 | rs2 << 20 | rs1.rawValue << 15 | funct3 << 12 | rd.rawValue << 7 | opcode)
  }

  private mutating func i(_ immediate: Int64, _ rs1: Reg, _ funct3: UInt32, _ rd: Reg, _ opcode: UInt32) {
    precondition((-2048...2047).contains(immediate), "immediate \(immediate) out of range")
    let bits = UInt32(truncatingIfNeeded: immediate) & 0xFFF
    words.append(bits << 20 | rs1.rawValue << 15 | funct3 << 12 | rd.rawValue << 7 | opcode)
  }

  private mutating func s(_ immediate: Int64, _ rs2: Reg, _ rs1: Reg, _ funct3: UInt32) {
    precondition((-2048...2047).contains(immediate), "immediate \(immediate) out of range")
    let bits = UInt32(truncatingIfNeeded: immediate) & 0xFFF
    words.append((bits >> 5) << 25 | rs2.rawValue << 20 | rs1.rawValue << 15 | funct3 << 12 | (bits & 31) << 7 | 0x23)
  }

  private static func branchImmediate(_ offset: Int64) -> UInt32 {
    let bits = UInt32(truncatingIfNeeded: offset)
    return (bits >> 12 & 1) << 31 | (bits >> 5 & 0x3F) << 25 | (bits >> 1 & 0xF) << 8 | (bits >> 11 & 1) << 7
  }

  private static func jumpImmediate(_ offset: Int64) -> UInt32 {
    let bits = UInt32(truncatingIfNeeded: offset)
    return (bits >> 20 & 1) << 31 | (bits >> 1 & 0x3FF) << 21 | (bits >> 11 & 1) << 20 | (bits >> 12 & 0xFF) << 12
  }

  // MARK: Instructions

  mutating func addi(_ rd: Reg, _ rs1: Reg, _ immediate: Int64) { i(immediate, rs1, 0, rd, 0x13) }
  mutating func add(_ rd: Reg, _ rs1: Reg, _ rs2: Reg) { r(0, rs2.rawValue, rs1, 0, rd, 0x33) }
  mutating func mul(_ rd: Reg, _ rs1: Reg, _ rs2: Reg) { r(1, rs2.rawValue, rs1, 0, rd, 0x33) }
  /// `amoadd.w rd, rs2, (rs1)`.
  mutating func amoadd(_ rd: Reg, _ rs2: Reg, _ rs1: Reg) { r(0, rs2.rawValue, rs1, 2, rd, 0x2F) }
  /// An instruction word assembled elsewhere.
  mutating func raw(_ word: UInt32) { words.append(word) }
  mutating func slli(_ rd: Reg, _ rs1: Reg, _ amount: UInt32) { r(0, amount, rs1, 1, rd, 0x13) }
  mutating func srli(_ rd: Reg, _ rs1: Reg, _ amount: UInt32) { r(0, amount, rs1, 5, rd, 0x13) }
  mutating func lui(_ rd: Reg, _ upper: UInt32) { words.append((upper & 0xFFFFF) << 12 | rd.rawValue << 7 | 0x37) }

  mutating func ori(_ rd: Reg, _ rs1: Reg, _ immediate: Int64) { i(immediate, rs1, 6, rd, 0x13) }

  /// Loads a constant; 32-bit constants are zero-extended on RV64 (addresses above 2 GiB). Wider
  /// ones are built 11 bits at a time.
  mutating func li(_ rd: Reg, _ value: UInt64) {
    if value > 0xFFFF_FFFF {
      precondition(xlen == 64, "a 64-bit constant on RV32")
      li(rd, value >> 33)
      for shift in stride(from: 22, through: 0, by: -11) {
        slli(rd, rd, 11)
        ori(rd, rd, Int64(value >> UInt64(shift) & 0x7FF))
      }
      return
    }
    let low = Int64(Int32(truncatingIfNeeded: UInt32(value) << 20) >> 20)
    let upper = UInt32(truncatingIfNeeded: (Int64(value) - low) >> 12)
    if upper != 0 {
      lui(rd, upper)
      if low != 0 { addi(rd, rd, low) }
    } else {
      addi(rd, .zero, low)
    }
    if xlen == 64 && (value >= 0x8000_0000 || upper & 0x80000 != 0) {
      slli(rd, rd, 32)
      srli(rd, rd, 32)
    }
  }

  mutating func lw(_ rd: Reg, _ offset: Int64, _ base: Reg) { i(offset, base, 2, rd, 0x03) }
  mutating func sw(_ rs2: Reg, _ offset: Int64, _ base: Reg) { s(offset, rs2, base, 2) }
  /// An XLEN-wide load or store: `ld`/`sd` on RV64, `lw`/`sw` on RV32.
  mutating func loadWord(_ rd: Reg, _ offset: Int64, _ base: Reg) { i(offset, base, xlen == 64 ? 3 : 2, rd, 0x03) }
  mutating func storeWord(_ rs2: Reg, _ offset: Int64, _ base: Reg) { s(offset, rs2, base, xlen == 64 ? 3 : 2) }

  mutating func beq(_ rs1: Reg, _ rs2: Reg, _ label: String) { branch(0, rs1, rs2, label) }
  mutating func bne(_ rs1: Reg, _ rs2: Reg, _ label: String) { branch(1, rs1, rs2, label) }
  mutating func bltu(_ rs1: Reg, _ rs2: Reg, _ label: String) { branch(6, rs1, rs2, label) }

  private mutating func branch(_ funct3: UInt32, _ rs1: Reg, _ rs2: Reg, _ label: String) {
    fixups.append((words.count, label, .branch))
    words.append(rs2.rawValue << 20 | rs1.rawValue << 15 | funct3 << 12 | 0x63)
  }

  /// `jal zero` to an absolute address within ±1 MiB of here.
  mutating func jump(to address: UInt64) {
    let offset = Int64(bitPattern: address &- (base + UInt64(words.count) * 4))
    precondition(offset >= -(1 << 20) && offset < 1 << 20, "jump target out of range")
    words.append(Self.jumpImmediate(offset) | 0x6F)
  }

  /// `jalr zero, 0(ra)`.
  mutating func ret() { words.append(0x0000_8067) }

  mutating func j(_ label: String) {
    fixups.append((words.count, label, .jump))
    words.append(0x6F)
  }

  mutating func csrw(_ csr: CSR, _ rs1: Reg, offset: UInt32 = 0) { csrInstruction(1, .zero, csr, offset, rs1) }
  mutating func csrr(_ rd: Reg, _ csr: CSR) { csrInstruction(2, rd, csr, 0, .zero) }
  mutating func csrrw(_ rd: Reg, _ csr: CSR, _ rs1: Reg) { csrInstruction(1, rd, csr, 0, rs1) }
  mutating func csrc(_ csr: CSR, _ rs1: Reg) { csrInstruction(3, .zero, csr, 0, rs1) }

  private mutating func csrInstruction(_ funct3: UInt32, _ rd: Reg, _ csr: CSR, _ offset: UInt32, _ rs1: Reg) {
    words.append((csr.rawValue + offset) << 20 | rs1.rawValue << 15 | funct3 << 12 | rd.rawValue << 7 | 0x73)
  }

  /// Copies `count` words from (t0) to (t1), using t2 and t3; `label` names the loop.
  mutating func copyWords(count: UInt64, label: String) {
    guard count > 0 else { return }
    li(.t2, count)
    self.label(label)
    lw(.t3, 0, .t0)
    sw(.t3, 0, .t1)
    addi(.t0, .t0, 4)
    addi(.t1, .t1, 4)
    addi(.t2, .t2, -1)
    bne(.t2, .zero, label)
  }

  /// `sc.w zero, zero, (rs1)`: drops any reservation left by the previous case.
  mutating func clearReservation(_ rs1: Reg) { words.append(0x1800_202F | rs1.rawValue << 15) }
  mutating func mret() { words.append(0x3020_0073) }
  mutating func ecall() { words.append(Self.ecall) }
  mutating func fenceI() { words.append(0x0000_100F) }
  static let ecall: UInt32 = 0x0000_0073
}
