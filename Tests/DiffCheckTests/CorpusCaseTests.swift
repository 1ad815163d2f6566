import Foundation
import Testing

@testable import DiffCheck
@testable import SpecModel

@Suite struct CorpusCaseTests {
  let good = """
    # a success
    isa rv64ima_zacas
    profile spike
    reg a0 0x80010000
    reg t0 0x5
    reg t1 0x9
    mem 0x80010000 0x5
    program
      amocas.d t0, t1, (a0)
    end
    expect conforms
    expect reg t0 0x5
    expect mem 0x80010000 0x9
    expect trap none
    reject mem 0x80010000 0x5 zacas.stores-swap-on-success
    """

  @Test func parsesAndWritesTheSameCase() throws {
    let parsed = try CorpusCase(parsing: good, file: "good.rvt")
    #expect(parsed.program.count == 1)
    #expect(parsed.registers[10] == 0x8001_0000)
    let again = try CorpusCase(parsing: parsed.text, file: "again.rvt")
    #expect(again == parsed)
    let problems = try Replayer(emulator: BuiltinEmulator()).replay(parsed).problems
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test func replayFailsWhenTheCaseIsWrong() throws {
    let wrongValue = try CorpusCase(
      parsing: good.replacingOccurrences(of: "expect reg t0 0x5", with: "expect reg t0 0x6"), file: "w.rvt")
    #expect(!(try Replayer(emulator: BuiltinEmulator()).replay(wrongValue)).passed)
    let wrongRule = try CorpusCase(
      parsing: good.replacingOccurrences(of: "zacas.stores-swap-on-success", with: "zacas.misaligned-traps"),
      file: "r.rvt")
    #expect(!(try Replayer(emulator: BuiltinEmulator()).replay(wrongRule)).passed)
    let buggy = try CorpusCase(parsing: good + "\nmutant swap-stored-on-failure\n", file: "m.rvt")
    #expect(try Replayer(emulator: BuiltinEmulator()).replay(buggy).passed, "a success does not expose this bug")
    let failing = try CorpusCase(
      parsing: good.replacingOccurrences(of: "reg t0 0x5\n", with: "reg t0 0x6\n")
        + "\nmutant swap-stored-on-failure\n", file: "f.rvt")
    #expect(!(try Replayer(emulator: BuiltinEmulator()).replay(failing)).passed)
  }

  @Test func malformedFilesNameTheirLine() {
    let cases: [(String, Int, String)] = [
      ("isa rv64ima_zacas\nreg q9 1\nprogram\nend\n", 2, "expected 'reg REGISTER VALUE'"),
      ("isa rv64ima_zfoo\nprogram\nend\n", 1, "unknown extension"),
      ("isa rv64ima_zacas\nprogram\n  amocas.w a0, a1\nend\n", 3, "takes 3 operands"),
      ("isa rv64ima_zacas\nprogram\n  nop\n", 2, "has no 'end'"),
      ("isa rv64ima_zacas\nfrobnicate\n", 2, "unknown directive"),
      ("isa rv64ima_zacas\nmem 0x80010001 5\nprogram\nend\n", 2, "8-byte aligned"),
      ("program\nend\n", 1, "missing 'isa'"),
      ("isa rv64ima_zacas\nprofile fast\nprogram\nend\n", 2, "profile NAME"),
      ("isa rv64ima_zacas\nprogram\nend\nexpect trap 7\n", 4, "trap CAUSE TVAL INDEX"),
    ]
    for (text, line, fragment) in cases {
      do {
        _ = try CorpusCase(parsing: text, file: "case.rvt")
        Issue.record("accepted: \(text)")
      } catch {
        #expect(error.line == line, "\(error)")
        #expect(error.description.hasPrefix("case.rvt:\(line):"), "\(error)")
        #expect(error.message.contains(fragment), "\(error)")
      }
    }
  }

  @Test func randomBytesNeverCrashTheParser() {
    var random = SeededRandom(seed: 3)
    let alphabet = Array(
      "isa rv64ima_zacas\nprogram end expect reg mem trap reject 0x1234 a0 ( ) , # amocas.w\n\u{0}\u{7f}é")
    var rejected = 0
    for _ in 0..<500 {
      let text = String((0..<random.int(0...200)).map { _ in random.pick(alphabet) })
      do { _ = try CorpusCase(parsing: text, file: "fuzz.rvt") } catch { rejected += 1 }
    }
    #expect(rejected > 400)
  }
}
