import SpecModel

/// One test case as a Linux user-mode ELF for `qemu-riscv64`/`qemu-riscv32`. A loader just below
/// the code area installs one handler for SIGILL, SIGBUS and SIGSEGV, loads x1…x31 and falls through
/// into the program. The code area after the program holds zero words, which are illegal, so every
/// run ends in the handler: it writes the signal, the fault address, pc and x1…x31 from the signal
/// context and the memory windows to standard output, then exits.
///
/// User mode protects whole pages, so the memory map's regions must be page-aligned multiples of
/// 4 KiB (`MemoryMap.userMode`); the standard map's 256-byte windows cannot be enforced here.
public struct QemuUserImage {
  static let pageSize: UInt64 = 0x1000
  static let loaderPage: UInt64 = SpikeBatch.Address.codeArea - 0x1000
  static let handlerBase: UInt64 = 0x8002_0000
  static let dataBase: UInt64 = 0x8003_0000
  static let codeAreaSize: UInt64 = 0x8000

  public let testCase: EmulatorCase
  var xlen: Int { testCase.isa.xlen }
  var slot: Int64 { Int64(xlen / 8) }

  /// Linux/QEMU signal frame layout for RISC-V: `siginfo.si_addr` and `ucontext.uc_mcontext`
  /// (pc, then x1…x31).
  var faultAddressOffset: Int64 { xlen == 64 ? 16 : 12 }
  var contextOffset: Int64 { xlen == 64 ? 176 : 160 }

  // Data block: sigaction, register values in, dump out (signal, fault address, pc, x1…x31, windows).
  static let sigactionOffset: UInt64 = 0
  static let registersOffset: UInt64 = 0x40
  static let dumpOffset: UInt64 = 0x200
  /// The handler runs on its own stack: the program's sp is test data.
  static let signalStackOffset: UInt64 = 0x4000
  static let signalStackSize: UInt64 = 0x4000
  static let stackDescriptorOffset: UInt64 = 0x20
  var dumpHeader: Int { 8 * 34 }
  public var dumpSize: Int { dumpHeader + testCase.memoryMap.regions.reduce(0) { $0 + Int($1.size) } }

  public struct Unsupported: Error, CustomStringConvertible {
    public let description: String
  }

  public init(_ testCase: EmulatorCase) throws(Unsupported) {
    self.testCase = testCase
    guard testCase.codeBase == SpikeBatch.Address.codeArea,
      UInt64(testCase.words.count) * 4 < Self.codeAreaSize
    else {
      throw Unsupported(description: "the program does not fit the user-mode code area")
    }
    for region in testCase.memoryMap.regions {
      guard region.base % Self.pageSize == 0, region.size % Self.pageSize == 0,
        region.base >= SpikeBatch.Address.codeArea + Self.codeAreaSize, region.base + region.size <= Self.handlerBase
      else {
        throw Unsupported(
          description:
            "memory region 0x\(String(region.base, radix: 16)) (\(region.size) bytes) is not whole pages: user-mode emulation cannot fault inside a page (use the user-mode memory map)"
        )
      }
    }
  }

  public func elf() -> ELFImage {
    var segments: [ELFImage.Segment] = []
    var loader = MachineCode(xlen: xlen, base: Self.loaderPage)
    emitLoader(&loader)
    // The loader ends exactly where the program starts.
    let padding = Int(Self.pageSize) / 4 - loader.words.count
    var loaderBytes = [UInt8](repeating: 0, count: padding * 4)
    loaderBytes += loader.bytes
    segments.append(
      .init(name: ".loader", address: Self.loaderPage, bytes: loaderBytes, writable: false, executable: true))
    var program = ByteWriter()
    for word in testCase.words { program.u32(word) }
    program.zeros(Int(Self.codeAreaSize) - program.bytes.count)
    segments.append(
      .init(
        name: ".program", address: SpikeBatch.Address.codeArea, bytes: program.bytes, writable: false, executable: true)
    )
    for (index, region) in testCase.memoryMap.regions.enumerated() {
      let bytes = (0..<region.size).map { testCase.initial.memory[region.base + $0] ?? 0 }
      segments.append(
        .init(
          name: ".window\(index)", address: region.base, bytes: bytes, writable: region.access == .readWrite,
          executable: false))
    }
    var handler = MachineCode(xlen: xlen, base: Self.handlerBase)
    emitHandler(&handler)
    segments.append(
      .init(name: ".handler", address: Self.handlerBase, bytes: handler.bytes, writable: false, executable: true))
    var data = ByteWriter()
    data.word(Self.handlerBase, xlen == 64)  // sa_handler
    data.word(0x0800_0004, xlen == 64)  // sa_flags: SA_SIGINFO | SA_ONSTACK
    data.u64(0)  // sa_mask
    data.zeros(Int(Self.stackDescriptorOffset) - data.bytes.count)
    data.word(Self.dataBase + Self.signalStackOffset, xlen == 64)  // ss_sp
    data.word(0, xlen == 64)  // ss_flags (and padding on RV64)
    data.word(Self.signalStackSize, xlen == 64)  // ss_size
    data.zeros(Int(Self.registersOffset) - data.bytes.count)
    for register in 0..<32 { data.u64(register == 0 ? 0 : testCase.initial.registers[register]) }
    data.zeros(Int(Self.dumpOffset) + dumpSize - data.bytes.count)
    data.zeros(Int(Self.signalStackOffset + Self.signalStackSize) - data.bytes.count)
    segments.append(.init(name: ".data", address: Self.dataBase, bytes: data.bytes, writable: true, executable: false))
    let entry = SpikeBatch.Address.codeArea - UInt64(loader.words.count * 4)
    return ELFImage(xlen: xlen, entry: entry, segments: segments)
  }

  private func emitLoader(_ code: inout MachineCode) {
    code.li(.a0, Self.dataBase + Self.stackDescriptorOffset)
    code.li(.a1, 0)
    code.li(.a7, 132)  // sigaltstack
    code.ecall()
    for signal: UInt64 in [4, 7, 11] {  // SIGILL, SIGBUS, SIGSEGV
      code.li(.a0, signal)
      code.li(.a1, Self.dataBase + Self.sigactionOffset)
      code.li(.a2, 0)
      code.li(.a3, 8)
      code.li(.a7, 134)  // rt_sigaction
      code.ecall()
    }
    code.li(.t6, Self.dataBase + Self.registersOffset)
    for register in 1...30 { code.loadWord(MachineCode.Reg(rawValue: UInt32(register))!, 8 * Int64(register), .t6) }
    code.loadWord(.t6, 8 * 31, .t6)
  }

  private func emitHandler(_ code: inout MachineCode) {
    // a0 = signal number, a1 = siginfo, a2 = ucontext.
    code.li(.t5, Self.dataBase + Self.dumpOffset)
    code.storeWord(.a0, 0, .t5)
    code.loadWord(.t0, faultAddressOffset, .a1)
    code.storeWord(.t0, 8, .t5)
    for index in 0..<32 {
      code.loadWord(.t0, contextOffset + slot * Int64(index), .a2)
      code.storeWord(.t0, 16 + 8 * Int64(index), .t5)
    }
    var offset = UInt64(dumpHeader)
    for (index, region) in testCase.memoryMap.regions.enumerated() {
      code.li(.t0, region.base)
      code.li(.t1, Self.dataBase + Self.dumpOffset + offset)
      code.copyWords(count: region.size / 4, label: "copy\(index)")
      offset += region.size
    }
    code.li(.a0, 1)
    code.li(.a1, Self.dataBase + Self.dumpOffset)
    code.li(.a2, UInt64(dumpSize))
    code.li(.a7, 64)  // write
    code.ecall()
    code.li(.a0, 0)
    code.li(.a7, 94)  // exit_group
    code.ecall()
    code.link()
  }

  /// The case's outcome from the dump; nil fields mean the dump was short.
  func outcome(_ dump: [UInt8]) -> EmulatorOutcome {
    guard dump.count == dumpSize else {
      return .failed("qemu wrote \(dump.count) bytes of state, expected \(dumpSize)")
    }
    let mask: UInt64 = xlen == 32 ? 0xFFFF_FFFF : .max
    func word(_ offset: Int) -> UInt64 {
      (0..<8).reduce(UInt64(0)) { $0 | UInt64(dump[offset + $1]) << (8 * UInt64($1)) } & mask
    }
    let signal = word(0)
    let faultAddress = word(8)
    let pc = word(16)
    var registers = [UInt64(0)] + (1..<32).map { word(16 + 8 * $0) }
    registers[0] = 0
    var memory = ByteMap()
    var offset = dumpHeader
    for region in testCase.memoryMap.regions {
      memory.append(base: region.base, bytes: Array(dump[offset..<offset + Int(region.size)]))
      offset += Int(region.size)
    }
    let start = testCase.codeBase
    let end = start + UInt64(testCase.words.count) * 4
    // The zero word after the program (or anywhere a jump leaves the program) ends the run.
    if signal == 4 && !(pc >= start && pc < end) {
      return .finished(ConcreteState(registers: registers, memory: memory))
    }
    guard pc >= start && pc < end && pc % 4 == 0 else {
      return .failed("qemu stopped with signal \(signal) outside the program (pc=0x\(String(pc, radix: 16)))")
    }
    let index = Int((pc - start) / 4)
    let word = testCase.words[index]
    let trap: ConcreteTrap
    switch signal {
    case 4:
      // User mode does not expose mtval; the instruction bits are what the privileged spec allows.
      trap = ConcreteTrap(cause: 2, tval: UInt64(word), index: index)
    case 7, 11:
      let misaligned = signal == 7
      trap = ConcreteTrap(
        cause: Self.readsOnly(word) ? (misaligned ? 4 : 5) : (misaligned ? 6 : 7), tval: faultAddress, index: index)
    default:
      return .failed("qemu stopped with unexpected signal \(signal)")
    }
    return .finished(ConcreteState(registers: registers, memory: memory, trap: trap))
  }

  /// Loads and LR fault as loads; stores, SC and AMOs fault as stores.
  static func readsOnly(_ word: UInt32) -> Bool {
    let opcode = word & 0x7F
    if opcode == 0x03 { return true }
    if opcode == 0x2F { return word >> 27 == 0b00010 }
    return false
  }
}

extension MemoryMap {
  /// Page-sized windows for user-mode emulators, which can only protect whole pages.
  public static func userMode(xlen: Int) -> MemoryMap {
    MemoryMap(regions: [
      Region(base: 0x8001_0000, size: 0x1000, access: .readWrite),
      Region(base: 0x8001_2000, size: 0x1000, access: .readOnly),
    ])
  }
}
