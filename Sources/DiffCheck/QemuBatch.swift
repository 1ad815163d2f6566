import SpecModel

/// Many test cases in one Linux user-mode ELF for `qemu-riscv64`/`qemu-riscv32`. A harness installs
/// one handler for SIGILL, SIGBUS and SIGSEGV, then for each case copies its program to the code
/// area (QEMU notices code written over translated code), refills the memory windows (a read-only
/// one is made writable for the copy and protected again), drops any reservation, loads x1…x31 and
/// jumps to the program. Every case ends in the handler: at the zero word after the program, or at a
/// fault. The handler writes the signal, fault address, pc and x1…x31 from the signal context and
/// the windows into the case's slice of the output, then resumes the harness at the next case by
/// rewriting the context's pc and returning through the kernel's signal return. Each slice goes to
/// standard output as soon as it is complete, so when QEMU itself crashes or hangs, the slices
/// written name the cases that finished and the case under way is the one to blame.
///
/// Each slice is laid out as `QemuUserImage`'s dump, whose reader turns it into an outcome.
public struct QemuBatch {
  public let xlen: Int
  public let cases: [EmulatorCase]
  let regions: [MemoryMap.Region]
  let maxWords: Int
  /// One image per case: its dump layout, signal-frame offsets and outcome reader.
  let images: [QemuUserImage]

  static let harnessBase: UInt64 = 0x8002_0000
  static let dataBase: UInt64 = 0x8003_0000
  /// Inputs and outputs sit far from the windows, where no generated address lands.
  static let tableBase: UInt64 = 0x4000_0000

  // Data block: sigaction, sigaltstack descriptor, then the harness's cursor.
  static let sigactionOffset: UInt64 = 0
  static let stackDescriptorOffset: UInt64 = 0x20
  static let indexOffset: Int64 = 0x40
  static let countOffset: Int64 = 0x48
  static let recordOffset: Int64 = 0x50
  static let outputOffset: Int64 = 0x58
  /// A word the harness's `sc.w` aims at to drop a reservation the previous case left.
  static let reservationOffset: UInt64 = 0x60
  static let signalStackOffset: UInt64 = 0x1000
  static let signalStackSize: UInt64 = 0x4000

  var windowBytes: Int { regions.reduce(0) { $0 + Int($1.size) } }
  // Record (input) layout: x0…x31 in 8-byte slots, window bytes, program words and a zero word.
  var recordWindows: Int { 8 * 32 }
  var recordCode: Int { recordWindows + windowBytes }
  var recordStride: Int { align(recordCode + 4 * (maxWords + 1), 16) }
  var outputStride: Int { align(images[0].dumpSize, 16) }
  var outputBase: UInt64 { Self.tableBase + UInt64(align(recordStride * cases.count, 0x1000)) }
  var outputSize: Int { align(outputStride * cases.count, 0x1000) }

  public typealias Unsupported = QemuUserImage.Unsupported

  public init(_ cases: [EmulatorCase]) throws(Unsupported) {
    guard let first = cases.first else { throw Unsupported(description: "no cases") }
    xlen = first.isa.xlen
    regions = first.memoryMap.regions
    self.cases = cases
    maxWords = cases.map(\.words.count).max() ?? 0
    var images: [QemuUserImage] = []
    for testCase in cases {
      guard testCase.isa == first.isa, testCase.memoryMap.regions == regions else {
        throw Unsupported(description: "cases in one batch must share ISA and memory map")
      }
      images.append(try QemuUserImage(testCase))
    }
    self.images = images
  }

  public func elf() -> ELFImage {
    var segments: [ELFImage.Segment] = []
    // The code area is written by the harness, so it is writable as well as executable.
    segments.append(
      .init(
        name: ".program", address: SpikeBatch.Address.codeArea,
        bytes: [UInt8](repeating: 0, count: Int(QemuUserImage.codeAreaSize)), writable: true, executable: true))
    for (index, region) in regions.enumerated() {
      segments.append(
        .init(
          name: ".window\(index)", address: region.base, bytes: [UInt8](repeating: 0, count: Int(region.size)),
          writable: region.access == .readWrite, executable: false))
    }
    segments.append(
      .init(name: ".harness", address: Self.harnessBase, bytes: harness().bytes, writable: false, executable: true))
    segments.append(.init(name: ".data", address: Self.dataBase, bytes: data(), writable: true, executable: false))
    segments.append(
      .init(name: ".cases", address: Self.tableBase, bytes: records(), writable: false, executable: false))
    return ELFImage(xlen: xlen, entry: Self.harnessBase, segments: segments)
  }

  private func data() -> [UInt8] {
    var data = ByteWriter()
    data.word(Self.harnessBase + UInt64(handlerOffset), xlen == 64)  // sa_handler
    data.word(0x0800_0004, xlen == 64)  // sa_flags: SA_SIGINFO | SA_ONSTACK
    data.u64(0)  // sa_mask
    data.zeros(Int(Self.stackDescriptorOffset) - data.bytes.count)
    data.word(Self.dataBase + Self.signalStackOffset, xlen == 64)  // ss_sp
    data.word(0, xlen == 64)  // ss_flags
    data.word(Self.signalStackSize, xlen == 64)  // ss_size
    data.zeros(Int(Self.indexOffset) - data.bytes.count)
    data.u64(0)  // index of the case under way
    data.u64(UInt64(cases.count))
    data.u64(Self.tableBase)  // its record
    data.u64(outputBase)  // its output slice
    data.zeros(Int(Self.signalStackOffset + Self.signalStackSize) - data.bytes.count)
    return data.bytes
  }

  private func records() -> [UInt8] {
    var table = ByteWriter()
    for testCase in cases {
      let start = table.bytes.count
      for register in 0..<32 { table.u64(register == 0 ? 0 : testCase.initial.registers[register]) }
      for region in regions {
        for offset in 0..<region.size { table.bytes.append(testCase.initial.memory[region.base + offset] ?? 0) }
      }
      for word in testCase.words { table.u32(word) }
      table.zeros(start + recordStride - table.bytes.count)
    }
    return table.bytes
  }

  /// Where the handler starts within the harness (the code before it has a fixed length).
  var handlerOffset: Int { harnessParts().handler }

  func harness() -> MachineCode { harnessParts().code }

  private func harnessParts() -> (code: MachineCode, handler: Int) {
    var code = MachineCode(xlen: xlen, base: Self.harnessBase)
    let data = Self.dataBase
    // Start: the signal stack and the three handlers, then the output buffer.
    code.li(.a0, data + Self.stackDescriptorOffset)
    code.li(.a1, 0)
    code.li(.a7, 132)  // sigaltstack
    code.ecall()
    for signal: UInt64 in [4, 7, 11] {  // SIGILL, SIGBUS, SIGSEGV
      code.li(.a0, signal)
      code.li(.a1, data + Self.sigactionOffset)
      code.li(.a2, 0)
      code.li(.a3, 8)
      code.li(.a7, 134)  // rt_sigaction
      code.ecall()
    }
    code.li(.a0, outputBase)
    code.li(.a1, UInt64(outputSize))
    code.li(.a2, 3)  // PROT_READ | PROT_WRITE
    code.li(.a3, 0x32)  // MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED
    code.li(.a4, xlen == 64 ? UInt64.max : 0xFFFF_FFFF)
    code.li(.a5, 0)
    code.li(.a7, 222)  // mmap
    code.ecall()

    // Next case, or the end.
    code.label("next")
    code.li(.t6, data)
    code.loadWord(.t4, Self.indexOffset, .t6)
    code.loadWord(.t5, Self.countOffset, .t6)
    code.beq(.t4, .t5, "finish")
    protectReadOnly(&code, writable: true)
    code.loadWord(.t0, Self.recordOffset, .t6)
    code.addi(.t0, .t0, Int64(recordWindows))
    for (index, region) in regions.enumerated() {
      code.li(.t1, region.base)
      code.copyWords(count: region.size / 4, label: "fill\(index)")
    }
    protectReadOnly(&code, writable: false)
    code.li(.t6, data)
    code.loadWord(.t0, Self.recordOffset, .t6)
    code.li(.t1, UInt64(recordCode))
    code.add(.t0, .t0, .t1)
    code.li(.t1, SpikeBatch.Address.codeArea)
    code.copyWords(count: UInt64(maxWords + 1), label: "code")
    if cases[0].isa.has(.zalrsc) {
      code.li(.t0, data + Self.reservationOffset)
      code.clearReservation(.t0)
    }
    code.loadWord(.t6, Self.recordOffset, .t6)
    for register in 1...30 { code.loadWord(MachineCode.Reg(rawValue: UInt32(register))!, 8 * Int64(register), .t6) }
    code.loadWord(.t6, 8 * 31, .t6)
    code.jump(to: SpikeBatch.Address.codeArea)

    code.label("finish")
    code.li(.a0, 0)
    code.li(.a7, 94)  // exit_group
    code.ecall()

    // The handler: a0 = signal number, a1 = siginfo, a2 = ucontext.
    let handler = code.words.count * 4
    let image = images[0]
    code.li(.t6, data)
    code.loadWord(.t5, Self.outputOffset, .t6)
    code.storeWord(.a0, 0, .t5)
    code.loadWord(.t0, image.faultAddressOffset, .a1)
    code.storeWord(.t0, 8, .t5)
    for index in 0..<32 {
      code.loadWord(.t0, image.contextOffset + image.slot * Int64(index), .a2)
      code.storeWord(.t0, 16 + 8 * Int64(index), .t5)
    }
    code.addi(.t1, .t5, Int64(image.dumpHeader))
    for (index, region) in regions.enumerated() {
      code.li(.t0, region.base)
      code.copyWords(count: region.size / 4, label: "dump\(index)")
    }
    // The write's arguments take a1 and a2: the context moves to t4 (sigreturn restores them all).
    code.addi(.t4, .a2, 0)
    code.li(.a0, 1)
    code.addi(.a1, .t5, 0)
    code.li(.a2, UInt64(outputStride))
    code.li(.a7, 64)  // write
    code.ecall()
    for (offset, stride) in [
      (Self.recordOffset, recordStride), (Self.outputOffset, outputStride), (Self.indexOffset, 1),
    ] {
      code.loadWord(.t0, offset, .t6)
      code.li(.t1, UInt64(stride))
      code.add(.t0, .t0, .t1)
      code.storeWord(.t0, offset, .t6)
    }
    // Resume at the next case: the signal return restores this pc.
    code.li(.t0, code.address(of: "next")!)
    code.storeWord(.t0, image.contextOffset, .t4)
    code.ret()
    code.link()
    return (code, handler)
  }

  /// mprotect on each read-only window: writable for the harness's copy, or read-only again.
  private func protectReadOnly(_ code: inout MachineCode, writable: Bool) {
    for region in regions where region.access == .readOnly {
      code.li(.a0, region.base)
      code.li(.a1, region.size)
      code.li(.a2, writable ? 3 : 1)
      code.li(.a7, 226)  // mprotect
      code.ecall()
    }
  }

  /// The outcomes of the cases whose slices `output` holds whole, in order.
  public func outcomes(_ output: [UInt8]) -> [EmulatorOutcome] {
    let complete = min(output.count / outputStride, cases.count)
    return images.prefix(complete).enumerated().map { index, image in
      let start = index * outputStride
      let slice = Array(output[start..<(start + image.dumpSize)])
      // A slice the handler never filled has signal 0.
      guard slice[0..<8].contains(where: { $0 != 0 }) else {
        return .failed("qemu stopped before case \(index) of the batch finished")
      }
      return image.outcome(slice)
    }
  }
}
