import ArgumentParser
import Foundation
import SpecModel

/// Assembles or disassembles with the instruction table.
struct Assemble: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Assemble a file (or disassemble hex words with --disassemble) using rvcheck's table.")

  @Option(name: .long, parsing: .unconditional, help: "XLEN: 32 or 64.")
  var xlen: Int = 64

  @Flag(name: .long, help: "Treat the arguments as hexadecimal instruction words.")
  var disassemble = false

  @Argument(help: "An assembly file, or hex words with --disassemble.")
  var inputs: [String]

  func validate() throws {
    guard xlen == 32 || xlen == 64 else { throw ValidationError("--xlen must be 32 or 64") }
  }

  func run() throws {
    if disassemble {
      for text in inputs {
        let digits = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
        guard let word = UInt32(digits, radix: 16) else {
          throw ValidationError("'\(text)' is not a 32-bit hexadecimal word")
        }
        print(InstructionTable.decode(word, xlen: xlen)?.assembly ?? "illegal")
      }
      return
    }
    for path in inputs {
      guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        FileHandle.standardError.write(Data("rvcheck: cannot read \(path)\n".utf8))
        throw ExitCode(Status.inputError)
      }
      do {
        for instruction in try Assembler.assemble(text, xlen: xlen) {
          print(String(format: "%08x  ", try instruction.encoded()) + instruction.assembly)
        }
      } catch let error as AssemblyError {
        FileHandle.standardError.write(Data("\(path):\(error)\n".utf8))
        throw ExitCode(Status.inputError)
      }
    }
  }
}
