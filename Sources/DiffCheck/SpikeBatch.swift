import Foundation
import SpecModel

/// Many test cases in one bare-metal ELF for Spike. A machine-mode harness runs each case in user
/// mode: it copies the case's program to the code area, fills the memory windows, loads x1…x31
/// and `mret`s to the program. Physical memory protection gives user mode exactly the regions of
/// the memory map, so unmapped or read-only accesses fault as the spec says. The program ends on an
/// `ecall` placed after it, or on a trap; either way the handler dumps the registers, the windows and
/// mcause/mtval/mepc into the case's slice of the signature area and starts the next case.
public struct SpikeBatch {
  /// Fixed addresses of the harness's parts (the code area is where the spec places programs).
  public enum Address {
    public static let codeArea: UInt64 = 0x8000_0000
    public static let codeAreaSize: UInt64 = 0x8000
    static let harness: UInt64 = 0x8002_0000
    static let state: UInt64 = 0x8003_0000
    static let tohost: UInt64 = 0x8003_1000
    static let table: UInt64 = 0x8004_0000
  }

  /// A case the harness never reached or never finished.
  public static let unfinished = "spike stopped before the case finished (it ran into the instruction cap)"

  /// Written by the handler once a case has been dumped.
  static let doneMarker: UInt64 = 0x7276_6368

  public let xlen: Int
  public let regions: [MemoryMap.Region]
  public let cases: [EmulatorCase]
  let maxWords: Int

  // Record (input) layout: word count, x0…x31 in 8-byte slots, window bytes, program words.
  var recordRegisters: Int { 8 }
  var windowBytes: Int { regions.reduce(0) { $0 + Int($1.size) } }
  var recordWindows: Int { recordRegisters + 256 }
  var recordCode: Int { align(recordWindows + windowBytes, 8) }
  var recordStride: Int { align(recordCode + 4 * maxWords, 16) }
  // Signature (output) layout: x0…x31, window bytes, then marker, mcause, mtval, mepc.
  var signatureWindows: Int { 256 }
  var signatureTrap: Int { align(signatureWindows + windowBytes, 8) }
  var signatureStride: Int { align(signatureTrap + 32, 16) }

  var signatureBase: UInt64 { Address.table + UInt64(align(recordStride * cases.count, 64)) }
  var signatureEnd: UInt64 { signatureBase + UInt64(signatureStride * cases.count) }
  /// The memory Spike must provide, from the code area to the end of the signature, in MiB steps.
  public var memorySize: UInt64 { (signatureEnd - Address.codeArea + 0xF_FFFF) / 0x10_0000 * 0x10_0000 }

  /// Why a set of cases cannot be batched for Spike.
  public struct Unsupported: Error, CustomStringConvertible {
    public let description: String
  }

  public init(_ cases: [EmulatorCase]) throws(Unsupported) {
    guard let first = cases.first else { throw Unsupported(description: "no cases") }
    xlen = first.isa.xlen
    regions = first.memoryMap.regions
    self.cases = cases
    maxWords = cases.map(\.words.count).max() ?? 0
    for testCase in cases {
      guard testCase.isa.xlen == xlen, testCase.memoryMap.regions == regions else {
        throw Unsupported(description: "cases in one batch must share XLEN and memory map")
      }
      guard testCase.codeBase == Address.codeArea else {
        throw Unsupported(description: "programs must start at 0x\(String(Address.codeArea, radix: 16))")
      }
      guard UInt64(testCase.words.count) * 4 < Address.codeAreaSize else {
        throw Unsupported(description: "program of \(testCase.words.count) instructions exceeds the code area")
      }
    }
    for region in regions {
      let end = region.base + region.size
      guard region.base % 4 == 0, region.size % 4 == 0, region.base >= Address.codeArea + Address.codeAreaSize,
        end <= Address.harness
      else {
        throw Unsupported(
          description: "memory region 0x\(String(region.base, radix: 16)) does not fit the Spike harness layout")
      }
    }
    guard regions.count <= 7, windowBytes <= 16 * 1024 else {
      throw Unsupported(description: "at most 7 memory regions of 16 KiB in total fit the Spike harness")
    }
  }

  // MARK: Building

  /// The batch as an ELF file.
  public func elf() -> ELFImage {
    let code = harness()
    var state = ByteWriter()
    state.zeros(0x1000 + 16)  // state block; tohost and fromhost at +0x1000
    var table = ByteWriter()
    for testCase in cases {
      let start = table.bytes.count
      table.u64(UInt64(testCase.words.count))
      for register in 0..<32 { table.u64(register == 0 ? 0 : testCase.initial.registers[register]) }
      for region in regions {
        for offset in 0..<region.size { table.u8(testCase.initial.memory[region.base + offset] ?? 0) }
      }
      table.zeros(start + recordCode - table.bytes.count)
      for word in testCase.words { table.u32(word) }
      table.zeros(start + recordStride - table.bytes.count)
    }
    table.zeros(Int(signatureEnd - Address.table) - table.bytes.count)
    return ELFImage(
      xlen: xlen, entry: code.address(of: "entry")!,
      segments: [
        .init(name: ".text", address: Address.harness, bytes: code.bytes, writable: false, executable: true),
        .init(name: ".data", address: Address.state, bytes: state.bytes, writable: true, executable: false),
        .init(name: ".cases", address: Address.table, bytes: table.bytes, writable: true, executable: false),
      ],
      symbols: [
        ("tohost", Address.tohost), ("fromhost", Address.tohost + 8),
        ("begin_signature", signatureBase), ("end_signature", signatureEnd),
      ])
  }

  /// PMP entries in pairs (an OFF entry holding the base, a TOR entry holding the top): the code
  /// area is execute-only, windows are read-write or read-only. Anything else faults in user mode.
  private func protection() -> (addresses: [UInt64], configuration: [UInt8]) {
    var addresses: [UInt64] = []
    var configuration: [UInt8] = []
    let torMode: UInt8 = 1 << 3
    func add(_ base: UInt64, _ size: UInt64, _ permissions: UInt8) {
      addresses += [base >> 2, (base + size) >> 2]
      configuration += [0, torMode | permissions]
    }
    add(Address.codeArea, Address.codeAreaSize, 4)
    for region in regions { add(region.base, region.size, region.access == .readWrite ? 3 : 1) }
    return (addresses, configuration)
  }

  func harness() -> MachineCode {
    var code = MachineCode(xlen: xlen, base: Address.harness)
    let slot = Int64(8)
    // The state block: record pointer, signature pointer, cases left, a spare slot.
    let (recordSlot, signatureSlot, remainingSlot, spareSlot) = (Int64(0), slot, 2 * slot, 3 * slot)

    // Trap handler, at the start so that mtvec is the harness base (direct mode).
    code.label("handler")
    code.csrrw(.t6, .mscratch, .t6)
    code.storeWord(.t5, spareSlot, .t6)
    code.loadWord(.t5, signatureSlot, .t6)
    for register in 1...29 { code.storeWord(MachineCode.Reg(rawValue: UInt32(register))!, slot * Int64(register), .t5) }
    code.loadWord(.t0, spareSlot, .t6)
    code.storeWord(.t0, slot * 30, .t5)
    code.csrr(.t0, .mscratch)
    code.storeWord(.t0, slot * 31, .t5)
    code.csrw(.mscratch, .t6)
    // t4 points at the trap record, past windows too large for an immediate offset.
    code.li(.t4, UInt64(signatureTrap))
    code.add(.t4, .t4, .t5)
    for (csr, offset) in [(MachineCode.CSR.mcause, 8), (.mtval, 16), (.mepc, 24)] {
      code.csrr(.t0, csr)
      code.storeWord(.t0, Int64(offset), .t4)
    }
    code.addi(.t1, .t5, Int64(signatureWindows))
    for (index, region) in regions.enumerated() {
      code.li(.t0, region.base)
      code.copyWords(count: region.size / 4, label: "dump\(index)")
    }
    code.li(.t0, Self.doneMarker)
    code.sw(.t0, 0, .t4)
    // Put the ecalls back over the program.
    code.loadWord(.s0, recordSlot, .t6)
    code.loadWord(.t2, 0, .s0)
    code.li(.t0, Address.codeArea)
    code.li(.t3, UInt64(MachineCode.ecall))
    code.beq(.t2, .zero, "restored")
    code.label("restore")
    code.sw(.t3, 0, .t0)
    code.addi(.t0, .t0, 4)
    code.addi(.t2, .t2, -1)
    code.bne(.t2, .zero, "restore")
    code.label("restored")
    code.li(.t0, UInt64(recordStride))
    code.add(.s0, .s0, .t0)
    code.storeWord(.s0, recordSlot, .t6)
    code.loadWord(.s1, signatureSlot, .t6)
    code.li(.t0, UInt64(signatureStride))
    code.add(.s1, .s1, .t0)
    code.storeWord(.s1, signatureSlot, .t6)
    code.loadWord(.s2, remainingSlot, .t6)
    code.addi(.s2, .s2, -1)
    code.storeWord(.s2, remainingSlot, .t6)
    code.j("next")

    // Entry: trap vector, protection, a code area full of ecalls, the state block.
    code.label("entry")
    code.li(.t0, Address.harness)
    code.csrw(.mtvec, .t0)
    let (addresses, configuration) = protection()
    for (index, address) in addresses.enumerated() {
      code.li(.t0, address & 0xFFFF_FFFF)
      code.csrw(.pmpaddr0, .t0, offset: UInt32(index))
    }
    let entriesPerRegister = xlen / 8
    for first in stride(from: 0, to: configuration.count, by: entriesPerRegister) {
      let bytes = configuration[first..<min(first + entriesPerRegister, configuration.count)]
      let value = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
      code.li(.t0, value)
      // RV64 uses only the even pmpcfg registers.
      code.csrw(.pmpcfg0, .t0, offset: UInt32(first / 4))
    }
    code.li(.t0, Address.codeArea)
    code.li(.t1, Address.codeArea + Address.codeAreaSize)
    code.li(.t2, UInt64(MachineCode.ecall))
    code.label("fill")
    code.sw(.t2, 0, .t0)
    code.addi(.t0, .t0, 4)
    code.bltu(.t0, .t1, "fill")
    code.li(.t6, Address.state)
    code.csrw(.mscratch, .t6)
    code.li(.t0, Address.table)
    code.storeWord(.t0, recordSlot, .t6)
    code.li(.t0, signatureBase)
    code.storeWord(.t0, signatureSlot, .t6)
    code.li(.t0, UInt64(cases.count))
    code.storeWord(.t0, remainingSlot, .t6)

    // Next case: program, windows, a clean reservation, user mode, registers, go.
    code.label("next")
    code.li(.t6, Address.state)
    code.loadWord(.s0, recordSlot, .t6)
    code.loadWord(.s2, remainingSlot, .t6)
    code.beq(.s2, .zero, "done")
    code.loadWord(.t2, 0, .s0)
    code.li(.t1, UInt64(recordCode))
    code.add(.t0, .s0, .t1)
    code.li(.t1, Address.codeArea)
    code.beq(.t2, .zero, "copied")
    code.label("copy")
    code.lw(.t3, 0, .t0)
    code.sw(.t3, 0, .t1)
    code.addi(.t0, .t0, 4)
    code.addi(.t1, .t1, 4)
    code.addi(.t2, .t2, -1)
    code.bne(.t2, .zero, "copy")
    code.label("copied")
    code.fenceI()
    var recordOffset = UInt64(recordWindows)
    for (index, region) in regions.enumerated() {
      code.li(.t1, recordOffset)
      code.add(.t0, .s0, .t1)
      code.li(.t1, region.base)
      code.copyWords(count: region.size / 4, label: "load\(index)")
      recordOffset += region.size
    }
    code.addi(.t0, .t6, spareSlot)
    code.clearReservation(.t0)
    code.li(.t0, Address.codeArea)
    code.csrw(.mepc, .t0)
    code.li(.t0, 0x1800)  // mstatus.MPP: return to user mode
    code.csrc(.mstatus, .t0)
    code.addi(.t6, .s0, Int64(recordRegisters))
    for register in 1...30 {
      code.loadWord(MachineCode.Reg(rawValue: UInt32(register))!, slot * Int64(register), .t6)
    }
    code.loadWord(.t6, slot * 31, .t6)
    code.mret()

    // All cases done: tell the host, then wait to be stopped.
    code.label("done")
    code.li(.t0, Address.tohost)
    code.li(.t1, 1)
    code.sw(.zero, 4, .t0)
    code.sw(.t1, 0, .t0)
    code.label("halt")
    code.j("halt")
    code.link()
    return code
  }

  // MARK: Reading the signature back

  /// A problem with Spike's output that makes a case's outcome unknown.
  public struct OutputError: Error, CustomStringConvertible {
    public let description: String
  }

  /// Parses a `+signature` dump (granularity 8: one 64-bit word per line, most significant digit first).
  public func signatureBytes(_ text: String) throws(OutputError) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(signatureEnd - signatureBase))
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      guard trimmed.count == 16, let word = UInt64(trimmed, radix: 16) else {
        throw OutputError(description: "signature line \(number + 1) is not a 64-bit hex word: '\(trimmed.prefix(40))'")
      }
      for index in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(index)))) }
    }
    guard bytes.count == Int(signatureEnd - signatureBase) else {
      throw OutputError(
        description: "signature has \(bytes.count) bytes, expected \(signatureEnd - signatureBase)")
    }
    return bytes
  }

  /// Each case's outcome from the signature bytes.
  public func outcomes(_ signature: [UInt8]) -> [EmulatorOutcome] {
    let mask: UInt64 = xlen == 32 ? 0xFFFF_FFFF : .max
    return cases.enumerated().map { number, testCase in
      let start = number * signatureStride
      func word(_ offset: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(signature[start + offset + $1]) << (8 * UInt64($1)) }
      }
      guard word(signatureTrap) & 0xFFFF_FFFF == Self.doneMarker else {
        return .failed(Self.unfinished)
      }
      let registers = (0..<32).map { word(8 * $0) & mask }
      var memory = ByteMap()
      var offset = start + signatureWindows
      for region in regions {
        memory.append(base: region.base, bytes: Array(signature[offset..<offset + Int(region.size)]))
        offset += Int(region.size)
      }
      let (cause, tval, epc) = (
        word(signatureTrap + 8) & mask, word(signatureTrap + 16) & mask, word(signatureTrap + 24) & mask
      )
      let end = testCase.codeBase + UInt64(testCase.words.count) * 4
      let inProgram = epc >= testCase.codeBase && epc < end
      // Falling off the end reaches an ecall (cause 8, user mode); jumping out of the code area
      // faults on fetch (cause 1). The spec ends the program in both cases.
      if !inProgram && (cause == 8 || cause == 1) {
        return .finished(ConcreteState(registers: registers, memory: memory))
      }
      guard inProgram, epc % 4 == 0 else {
        return .failed("spike trapped outside the program (mcause=\(cause), mepc=0x\(String(epc, radix: 16)))")
      }
      let trap = ConcreteTrap(cause: cause, tval: tval, index: Int((epc - testCase.codeBase) / 4))
      return .finished(ConcreteState(registers: registers, memory: memory, trap: trap))
    }
  }
}
