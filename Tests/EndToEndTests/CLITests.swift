import Foundation
import Testing

@Suite struct CLITests {
  @Test func solverMemoryStaysFlatOverManyQueries() throws {
    let result = try BinaryRunner.run(["bench", "--solver-memory", "--queries", "20000"])
    #expect(result.status == 0, "\(result.error)")
    let fields = Dictionary(
      uniqueKeysWithValues: result.output.split(separator: " ").compactMap { part -> (String, Int)? in
        let pieces = part.split(separator: "=")
        guard pieces.count == 2, let value = Int(pieces[1].trimmingCharacters(in: .whitespacesAndNewlines)) else {
          return nil
        }
        return (String(pieces[0]), value)
      })
    let growth = try #require(fields["growth"])
    // Leaking even 500 bytes a query would add about 10 MB over 20,000 queries.
    #expect(growth < 4 << 20, "resident memory grew by \(growth) bytes")
  }

  @Test func proveFiltersAndReportsUnknownNames() throws {
    let proved = try BinaryRunner.run(["prove", "--filter", "x0-destination-pair"])
    #expect(proved.status == 0)
    #expect(proved.output.contains("proved"))
    let none = try BinaryRunner.run(["prove", "--filter", "no-such-lemma"])
    #expect(none.status == 2)
    #expect(none.error.contains("no lemma matches"))
  }

  @Test func assemblerErrorsNameFileLineAndColumn() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID()).s")
    try "addi a0, a0, 1\namocas.w a0, a1, (q9)\n".write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    let result = try BinaryRunner.run(["assemble", file.path])
    #expect(result.status == 2)
    #expect(result.error.contains("\(file.path):2:19: error: expected a register"))
  }

  @Test func disassemblerUsesTheTable() throws {
    let result = try BinaryRunner.run(["assemble", "--disassemble", "2ec4352f", "ffffffff"])
    #expect(result.output == "amocas.d.aqrl a0, a2, (s0)\nillegal\n")
  }
}
