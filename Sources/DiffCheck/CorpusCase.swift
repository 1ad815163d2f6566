import Foundation
import SpecModel

/// A replayable test case in rvcheck's text format (`.rvt`):
///
/// ```
/// # comment
/// isa rv64ima_zacas_zabha
/// profile spike
/// map standard                         (or: map user-mode, page-sized windows for qemu-user)
/// mutant x0-pair-writes-x1             (optional: run the built-in emulator with this bug)
/// reg a0 0x80010000                    (initial registers; others are zero)
/// mem 0x80010000 0x0000000011223344    (8-byte little-endian words; other bytes are zero)
/// program
///   amocas.w t0, t1, (a0)
/// end
/// expect conforms                      (or: expect violation RULE...: any one of them named; no RULE: any)
/// expect reg t0 0x11223344             (values the emulator must produce)
/// expect mem 0x80010000 0x55667788
/// expect trap none                     (or: expect trap CAUSE TVAL INDEX)
/// reject reg x1 0x5 RULE               (this change to the outcome must break RULE)
/// known …                              (a known deviation's fields, see `KnownDeviation`)
/// ```
public struct CorpusCase: Sendable, Equatable {
  /// The memory maps a case can name.
  public enum MapName: String, Sendable, Equatable, CaseIterable {
    case standard
    case userMode = "user-mode"

    public func memoryMap(xlen: Int) -> MemoryMap {
      switch self {
      case .standard: .standard(xlen: xlen)
      case .userMode: .userMode(xlen: xlen)
      }
    }
  }

  public enum Expectation: Sendable, Equatable {
    case conforms
    case violation([String])
  }

  /// A part of the outcome: a register, an 8-byte memory word, or the trap record.
  public enum Component: Sendable, Equatable {
    case register(Int, UInt64)
    case memory(UInt64, UInt64)
    case trap(ConcreteTrap?)
  }

  public var isa: ISAString
  public var profile: Profile
  /// Which memory map the case runs with.
  public var map: MapName = .standard
  public var mutant: Mutant?
  public var registers: [Int: UInt64] = [:]
  public var memory: [UInt64: UInt64] = [:]
  public var program: [Instruction] = []
  public var expectation: Expectation = .conforms
  public var expected: [Component] = []
  public var rejections: [(component: Component, rule: String)] = []
  public var comments: [String] = []

  public init(isa: ISAString, profile: Profile) {
    self.isa = isa
    self.profile = profile
  }

  public static func == (l: CorpusCase, r: CorpusCase) -> Bool { l.text == r.text }

  /// The initial state over the whole memory map.
  public func initialState(_ map: MemoryMap) -> ConcreteState {
    var state = ConcreteState.zeroed(map)
    for (number, value) in registers { state.registers[number] = value }
    for (address, word) in memory {
      for byte in 0..<UInt64(8) { state.memory[address + byte] = UInt8(truncatingIfNeeded: word >> (8 * byte)) }
    }
    return state
  }

  public var configuration: MachineConfiguration {
    MachineConfiguration(isa: isa, profile: profile, memoryMap: map.memoryMap(xlen: isa.xlen))
  }

  /// The case as an emulator runs it.
  public func emulatorCase() throws -> EmulatorCase {
    let map = configuration.memoryMap
    return EmulatorCase(
      isa: isa, words: try Instruction.encoded(program), initial: initialState(map), memoryMap: map)
  }

  // MARK: Writing

  public var text: String {
    var lines = comments.map { "# \($0)" }
    lines.append("isa \(isa)")
    lines.append("profile \(profile.name)")
    if map != .standard { lines.append("map \(map.rawValue)") }
    if let mutant { lines.append("mutant \(mutant.rawValue)") }
    for (number, value) in registers.sorted(by: { $0.key < $1.key }) where value != 0 {
      lines.append("reg \(RegisterNames.name(number)) \(hex(value))")
    }
    for (address, word) in memory.sorted(by: { $0.key < $1.key }) where word != 0 {
      lines.append("mem \(hex(address)) \(hex(word))")
    }
    lines.append("program")
    lines += program.map { "  \($0.assembly)" }
    lines.append("end")
    switch expectation {
    case .conforms: lines.append("expect conforms")
    case .violation(let rules): lines.append((["expect violation"] + rules).joined(separator: " "))
    }
    lines += expected.map { "expect \(Self.text($0))" }
    lines += rejections.map { "reject \(Self.text($0.component)) \($0.rule)" }
    return lines.joined(separator: "\n") + "\n"
  }

  static func text(_ component: Component) -> String {
    switch component {
    case .register(let number, let value): return "reg \(RegisterNames.name(number)) \(hex(value))"
    case .memory(let address, let word): return "mem \(hex(address)) \(hex(word))"
    case .trap(nil): return "trap none"
    case .trap(let trap?): return "trap \(trap.cause) \(hex(trap.tval)) \(trap.index)"
    }
  }

  // MARK: Reading

  /// Parses a case; errors name the file and line.
  public init(parsing text: String, file: String) throws(CorpusError) {
    var isa: ISAString?
    var profile = Profile.spike
    var map = MapName.standard
    var mutant: Mutant?
    var registers: [Int: UInt64] = [:]
    var memory: [UInt64: UInt64] = [:]
    var programLines: [String] = []
    var programStart = 0
    var inProgram = false
    var sawProgram = false
    var expectation = Expectation.conforms
    var expected: [Component] = []
    var rejections: [(Component, String)] = []
    var comments: [String] = []
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    // Where each setting was first given: a second, different one is an error, not "last wins".
    var seen: [String: Int] = [:]
    var sawExpectation = false
    for (offset, raw) in lines.enumerated() {
      let lineNumber = offset + 1
      func fail(_ message: String) -> CorpusError { CorpusError(file: file, line: lineNumber, message: message) }
      let line = raw.trimmingCharacters(in: .whitespaces)
      if inProgram {
        if line == "end" {
          inProgram = false
        } else {
          programLines.append(String(raw))
        }
        continue
      }
      if line.isEmpty { continue }
      if line.hasPrefix("#") {
        comments.append(line.dropFirst().trimmingCharacters(in: .whitespaces))
        continue
      }
      let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
      func once(_ setting: String) throws(CorpusError) {
        if let first = seen[setting] { throw fail("'\(setting)' is already given on line \(first)") }
        seen[setting] = lineNumber
      }
      switch words[0] {
      case "isa":
        try once("isa")
        guard words.count == 2 else { throw fail("expected 'isa STRING'") }
        do { isa = try ISAString(parsing: words[1]) } catch { throw fail(error.description) }
      case "profile":
        try once("profile")
        guard words.count == 2, let named = Profile.named(words[1]) else {
          throw fail("expected 'profile NAME' with NAME one of \(Profile.all.map(\.name).joined(separator: ", "))")
        }
        profile = named
      case "map":
        try once("map")
        guard words.count == 2, let named = MapName(rawValue: words[1]) else {
          throw fail("expected 'map NAME' with NAME one of \(MapName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        map = named
      case "mutant":
        try once("mutant")
        guard words.count == 2, let named = Mutant(rawValue: words[1]) else {
          throw fail("unknown mutant '\(words.dropFirst().joined(separator: " ").clipped)'")
        }
        mutant = named
      case "known":
        // A known deviation's description, read by `KnownDeviation`.
        continue
      case "reg":
        guard words.count == 3, let number = RegisterNames.number(words[1]), let value = Self.number(words[2]) else {
          throw fail("expected 'reg REGISTER VALUE'")
        }
        try once("reg \(RegisterNames.name(number))")
        registers[number] = value
      case "mem":
        guard words.count == 3, let address = Self.number(words[1]), let word = Self.number(words[2]) else {
          throw fail("expected 'mem ADDRESS WORD'")
        }
        guard address % 8 == 0 else { throw fail("memory words must be 8-byte aligned") }
        try once("mem \(hex(address))")
        memory[address] = word
      case "program":
        guard words.count == 1 else { throw fail("'program' stands alone on its line") }
        guard !sawProgram else { throw fail("a second 'program' block") }
        inProgram = true
        sawProgram = true
        programStart = lineNumber
      case "expect":
        if words.count == 2 && words[1] == "conforms" {
          guard !sawExpectation else { throw fail("a second 'expect conforms' or 'expect violation'") }
          sawExpectation = true
          expectation = .conforms
        } else if words.count >= 2 && words[1] == "violation" {
          guard !sawExpectation else { throw fail("a second 'expect conforms' or 'expect violation'") }
          sawExpectation = true
          // Without rules: any violation (a known deviation's example, whose rules were not asked for).
          let rules = Array(words.dropFirst(2))
          // A misspelt rule would let the case pass on another rule it lists: every name must exist.
          if let unknown = rules.first(where: { !Self.isRuleName($0) }) {
            throw fail("unknown rule '\(unknown.clipped)' (a rule of the spec's catalog, or profile.NAME.CHOICE)")
          }
          expectation = .violation(rules)
        } else {
          do { expected.append(try Self.component(Array(words.dropFirst()))) } catch { throw fail(error.message) }
        }
      case "reject":
        guard words.count >= 3 else { throw fail("expected 'reject COMPONENT VALUE RULE'") }
        do {
          rejections.append((try Self.component(Array(words.dropFirst().dropLast())), words[words.count - 1]))
        } catch {
          throw fail(error.message)
        }
      default:
        throw fail("unknown directive '\(words[0])'")
      }
    }
    if inProgram { throw CorpusError(file: file, line: programStart, message: "'program' block has no 'end'") }
    guard let isa else { throw CorpusError(file: file, line: 1, message: "missing 'isa' line") }
    guard sawProgram else { throw CorpusError(file: file, line: lines.count, message: "missing 'program' block") }
    do {
      program = try Assembler.assemble(programLines.joined(separator: "\n"), xlen: isa.xlen)
    } catch {
      throw CorpusError(file: file, line: programStart + error.line, column: error.column, message: error.message)
    }
    self.isa = isa
    self.profile = profile
    self.map = map
    self.mutant = mutant
    self.registers = registers
    self.memory = memory
    self.expectation = expectation
    self.expected = expected
    self.rejections = rejections
    self.comments = comments
  }

  struct ComponentError: Error {
    let message: String
  }

  static func component(_ words: [String]) throws(ComponentError) -> Component {
    guard let kind = words.first else { throw ComponentError(message: "expected reg, mem or trap") }
    switch kind {
    case "reg":
      guard words.count == 3, let register = RegisterNames.number(words[1]), let value = number(words[2]) else {
        throw ComponentError(message: "expected 'reg REGISTER VALUE'")
      }
      return .register(register, value)
    case "mem":
      guard words.count == 3, let address = number(words[1]), let word = number(words[2]) else {
        throw ComponentError(message: "expected 'mem ADDRESS WORD'")
      }
      // A word's eight bytes must lie inside the address space.
      guard address <= UInt64.max - 7 else {
        throw ComponentError(message: "memory word at \(words[1].clipped) runs past the end of the address space")
      }
      return .memory(address, word)
    case "trap":
      if words.count == 2 && words[1] == "none" { return .trap(nil) }
      guard words.count == 4, let cause = number(words[1]), let tval = number(words[2]), let index = Int(words[3])
      else {
        throw ComponentError(message: "expected 'trap none' or 'trap CAUSE TVAL INDEX'")
      }
      // The index of the trapping instruction: a program has at most a few thousand.
      guard (0...1_000_000).contains(index) else {
        throw ComponentError(message: "trap index \(words[3].clipped) is not an instruction of the program")
      }
      return .trap(ConcreteTrap(cause: cause, tval: tval, index: index))
    default:
      throw ComponentError(message: "expected reg, mem or trap, found '\(kind)'")
    }
  }

  /// A rule of the catalog, or a profile rule `profile.NAME.CHOICE` of a known profile.
  static func isRuleName(_ name: String) -> Bool {
    if Rule.catalog.contains(where: { $0.name == name }) { return true }
    let parts = name.split(separator: ".", omittingEmptySubsequences: false)
    return parts.count == 3 && parts[0] == "profile" && Profile.named(String(parts[1])) != nil && !parts[2].isEmpty
      && parts[2].allSatisfy { $0.isLowercase || $0 == "-" }
  }

  static func number(_ text: String) -> UInt64? {
    if text.hasPrefix("0x") { return UInt64(text.dropFirst(2), radix: 16) }
    if text.hasPrefix("-"), let value = Int64(text) { return UInt64(bitPattern: value) }
    return UInt64(text)
  }
}

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

/// A malformed corpus file, located like a compiler error.
public struct CorpusError: Error, CustomStringConvertible, Equatable {
  public let file: String
  public let line: Int
  public var column: Int? = nil
  public let message: String

  public var description: String {
    "\(file):\(line):\(column.map { "\($0):" } ?? "") error: \(message)"
  }
}
