import Foundation
import SpecModel

/// Runs a litmus test many times on `spike -p<N>` and reports the final states it observed.
/// Spike interleaves harts in long slices, so each run starts every hart after its own random
/// delay; barriers (an `amoadd` counter) separate the runs, hart 0 resets memory before each run
/// and records it after, and every hart stores its registers. All runs share one ELF.
public struct SpikeLitmus {
  public let test: LitmusTest
  public let runs: Int
  public let seed: UInt64

  static let stateBase: UInt64 = 0x8011_0000
  static let barrierAddress: UInt64 = 0x8011_1000
  static let tohost: UInt64 = 0x8011_2000
  static let tableBase: UInt64 = 0x8012_0000

  public init(test: LitmusTest, runs: Int, seed: UInt64) {
    self.test = test
    self.runs = max(runs, 1)
    self.seed = seed
  }

  public struct Unsupported: Error, CustomStringConvertible {
    public let description: String
  }

  var layout: LitmusLayout { LitmusLayout(test) }
  var locations: [String] { layout.locations }
  func spikeAddress(_ index: Int) -> UInt64 { layout.address(index) }

  /// A thread's instructions in rvcheck's assembly syntax: `.aq.rl` is `.aqrl`, and atomic
  /// addresses are written `(reg)`.
  static func assembly(_ instruction: LitmusInstruction) -> String {
    var line = instruction.label.map { "\($0):\n" } ?? ""
    guard var mnemonic = instruction.mnemonic else { return line }
    mnemonic = mnemonic.replacingOccurrences(of: ".aq.rl", with: ".aqrl")
    var operands = instruction.operands
    if mnemonic.hasPrefix("lr.") || mnemonic.hasPrefix("sc.") || mnemonic.hasPrefix("amo") {
      operands = operands.map { $0.hasPrefix("0(") ? String($0.dropFirst()) : $0 }
    }
    line += " \(mnemonic) \(operands.joined(separator: ", "))"
    return line
  }

  // Layout of the tables: per run, a delay for each hart; per thread, x0…x31 to start with; the
  // initial memory; then the results: per run, each hart's x0…x31 and every location.
  var threads: Int { test.threads.count }
  var delaysOffset: UInt64 { 0 }
  var registersOffset: UInt64 { UInt64(runs * threads * 8 + 63) / 64 * 64 }
  var memoryOffset: UInt64 { registersOffset + UInt64(threads * 256) }
  var resultsOffset: UInt64 { (memoryOffset + UInt64(locations.count * 8) + 63) / 64 * 64 }
  var resultStride: UInt64 { UInt64(threads * 256 + locations.count * 8) }
  var resultsEnd: UInt64 { resultsOffset + resultStride * UInt64(runs) }

  public func elf() throws -> ELFImage {
    var code = MachineCode(xlen: 64, base: 0x8000_0000)
    let table = Self.tableBase
    // Per-hart state block: run counter, barrier counter.
    func stateBlock() {
      code.csrr(.t0, .mhartid)
      code.slli(.t0, .t0, 6)
      code.li(.s0, Self.stateBase)
      code.add(.s0, .s0, .t0)
    }
    // Every hart waits until all `threads` harts have arrived: counter += 1, then spin until it
    // reaches threads × (barriers passed by this hart).
    var barriers = 0
    func barrier() {
      barriers += 1
      let label = "barrier\(barriers)"
      stateBlock()
      code.loadWord(.t1, 8, .s0)
      code.addi(.t1, .t1, 1)
      code.storeWord(.t1, 8, .s0)
      code.li(.t2, UInt64(threads))
      code.mul(.t1, .t1, .t2)
      code.li(.t3, Self.barrierAddress)
      code.li(.t4, 1)
      code.amoadd(.zero, .t4, .t3)
      code.label(label)
      code.lw(.t4, 0, .t3)
      code.bltu(.t4, .t1, label)
    }

    code.label("entry")
    code.csrr(.t0, .mhartid)
    code.li(.t1, UInt64(threads))
    code.bltu(.t0, .t1, "participate")
    code.label("idle")
    code.j("idle")
    code.label("participate")
    code.label("run")
    barrier()
    // Hart 0 resets memory.
    code.csrr(.t0, .mhartid)
    code.bne(.t0, .zero, "reset_done")
    for index in locations.indices {
      code.li(.t1, table + memoryOffset + UInt64(index * 8))
      code.loadWord(.t2, 0, .t1)
      code.li(.t1, spikeAddress(index))
      code.storeWord(.t2, 0, .t1)
    }
    code.label("reset_done")
    barrier()
    // This run's delay for this hart.
    stateBlock()
    code.loadWord(.t1, 0, .s0)  // run number
    code.li(.t2, UInt64(threads * 8))
    code.mul(.t1, .t1, .t2)
    code.csrr(.t0, .mhartid)
    code.slli(.t0, .t0, 3)
    code.add(.t1, .t1, .t0)
    code.li(.t2, table + delaysOffset)
    code.add(.t1, .t1, .t2)
    code.loadWord(.t1, 0, .t1)
    code.label("delay")
    code.beq(.t1, .zero, "delayed")
    code.addi(.t1, .t1, -1)
    code.j("delay")
    code.label("delayed")
    // mscratch: where this hart's registers go in this run.
    stateBlock()
    code.loadWord(.t1, 0, .s0)
    code.li(.t2, resultStride)
    code.mul(.t1, .t1, .t2)
    code.csrr(.t0, .mhartid)
    code.slli(.t0, .t0, 8)
    code.add(.t1, .t1, .t0)
    code.li(.t2, table + resultsOffset)
    code.add(.t1, .t1, .t2)
    code.csrw(.mscratch, .t1)
    code.csrr(.t0, .mhartid)
    for thread in 0..<threads {
      code.li(.t1, UInt64(thread))
      code.beq(.t0, .t1, "thread\(thread)")
    }
    for (thread, instructions) in test.threads.enumerated() {
      code.label("thread\(thread)")
      code.li(.t6, table + registersOffset + UInt64(thread * 256))
      for number in 1...30 { code.loadWord(MachineCode.Reg(rawValue: UInt32(number))!, 8 * Int64(number), .t6) }
      code.loadWord(.t6, 8 * 31, .t6)
      let source = instructions.map(Self.assembly).joined(separator: "\n")
      let program: [Instruction]
      do { program = try Assembler.assemble(source, xlen: 64) } catch {
        throw Unsupported(description: "thread \(thread) cannot run on Spike: \(error)")
      }
      for instruction in program {
        do { code.raw(try instruction.encoded()) } catch {
          throw Unsupported(description: "thread \(thread): \(error)")
        }
      }
      code.csrrw(.t6, .mscratch, .t6)
      for number in 1...30 { code.storeWord(MachineCode.Reg(rawValue: UInt32(number))!, 8 * Int64(number), .t6) }
      code.csrr(.t5, .mscratch)
      code.storeWord(.t5, 8 * 31, .t6)
      code.j("finished")
    }
    code.label("finished")
    barrier()
    // Hart 0 records memory, then counts the run.
    code.csrr(.t0, .mhartid)
    code.bne(.t0, .zero, "recorded")
    stateBlock()
    code.loadWord(.t1, 0, .s0)
    code.li(.t2, resultStride)
    code.mul(.t1, .t1, .t2)
    code.li(.t2, table + resultsOffset + UInt64(threads * 256))
    code.add(.t1, .t1, .t2)
    for index in locations.indices {
      code.li(.t2, spikeAddress(index))
      code.loadWord(.t3, 0, .t2)
      code.storeWord(.t3, Int64(index * 8), .t1)
    }
    code.label("recorded")
    stateBlock()
    code.loadWord(.t1, 0, .s0)
    code.addi(.t1, .t1, 1)
    code.storeWord(.t1, 0, .s0)
    code.li(.t2, UInt64(runs))
    code.bltu(.t1, .t2, "run")
    barrier()
    code.csrr(.t0, .mhartid)
    code.bne(.t0, .zero, "idle")
    code.li(.t0, Self.tohost)
    code.li(.t1, 1)
    code.storeWord(.t1, 0, .t0)
    code.label("halt")
    code.j("halt")
    code.link()

    var random = SeededRandom(seed: seed)
    var data = ByteWriter()
    for _ in 0..<(runs * threads) { data.u64(random.below(4) == 0 ? 0 : random.below(12_000)) }
    data.zeros(Int(registersOffset) - data.bytes.count)
    let layout = self.layout
    for thread in 0..<threads {
      for register in layout.initialRegisters(thread: thread) { data.u64(register) }
    }
    for name in locations { data.u64(layout.initialValue(ofLocation: name)) }
    data.zeros(Int(resultsEnd) - data.bytes.count)
    return ELFImage(
      xlen: 64, entry: 0x8000_0000,
      segments: [
        .init(name: ".text", address: 0x8000_0000, bytes: code.bytes, writable: false, executable: true),
        .init(
          name: ".tohost", address: Self.tohost, bytes: [UInt8](repeating: 0, count: 16), writable: true,
          executable: false),
        .init(name: ".tables", address: table, bytes: data.bytes, writable: true, executable: false),
      ],
      symbols: [
        ("tohost", Self.tohost), ("fromhost", Self.tohost + 8), ("begin_signature", table + resultsOffset),
        ("end_signature", table + resultsEnd),
      ])
  }

  /// The observed final state of every run, as the model's `location=value` texts (addresses
  /// translated to the model's).
  public func states(fromSignature text: String) throws -> [[String]] {
    var bytes: [UInt8] = []
    for line in text.split(separator: "\n") {
      guard let word = UInt64(line.trimmingCharacters(in: .whitespaces), radix: 16) else {
        throw Unsupported(description: "spike printed a signature line that is not hex: \(line.prefix(40))")
      }
      for index in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(index)))) }
    }
    guard UInt64(bytes.count) == resultsEnd - resultsOffset else {
      throw Unsupported(
        description: "spike's signature has \(bytes.count) bytes, expected \(resultsEnd - resultsOffset)")
    }
    func word(_ offset: Int) -> UInt64 {
      (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }
    let layout = self.layout
    return (0..<runs).map { run in
      let start = run * Int(resultStride)
      return layout.finalState(
        register: { thread, number in word(start + thread * 256 + number * 8) },
        location: { index in word(start + threads * 256 + index * 8) })
    }
  }
}

extension SpikeLitmus {
  /// Runs the test on Spike (`-p<harts>`) and returns the final state of every run.
  public func run(spike: String, timeout: Duration = .seconds(120)) throws -> [[String]] {
    let fileManager = FileManager.default
    let scratch = fileManager.temporaryDirectory.appendingPathComponent("rvcheck-litmus-\(UUID().uuidString)")
    try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? fileManager.removeItem(at: scratch) }
    let elf = scratch.appendingPathComponent("litmus.elf")
    let signature = scratch.appendingPathComponent("signature")
    try Data(try self.elf().encoded()).write(to: elf)
    let arguments = [
      "-p\(threads)", "--isa=rv64ima_zacas_zabha_zifencei_zalasr", "-m0x80000000:0x400000",
      "--instructions=\(runs * 400_000 + 1_000_000)", "+signature=\(signature.path)", "+signature-granularity=8",
      elf.path,
    ]
    let result = runProcess(spike, arguments, timeout: timeout, scratch: scratch)
    if let problem = SpikeEmulator.classify(result, timeout: timeout) {
      throw Unsupported(description: problem.description)
    }
    guard let text = try? String(contentsOf: signature, encoding: .utf8) else {
      throw Unsupported(description: "spike wrote no signature for the litmus runs")
    }
    return try states(fromSignature: text)
  }
}
