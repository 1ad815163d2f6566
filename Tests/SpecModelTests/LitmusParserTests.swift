import Foundation
import Testing

@testable import SpecModel

@Suite struct LitmusParserTests {
  /// The memory-model task group's sample, where it sits beside the project.
  /// The shared litmus sample: `shared/litmus` beside the package, or beside any folder above it
  /// (a clean clone may sit deeper than the working copy).
  static let shared: URL = {
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    while folder.path != "/" {
      folder = folder.deletingLastPathComponent()
      let candidate = folder.appendingPathComponent("shared/litmus")
      if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("EXPECTED.tsv").path) {
        return candidate
      }
    }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/litmus")
  }()

  static var sharedFiles: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: shared.path)) ?? []).filter { $0.hasSuffix(".litmus") }
      .sorted()
  }

  @Test func everySharedLitmusFileParses() throws {
    guard !Self.sharedFiles.isEmpty else {
      print("note: \(Self.shared.path) not found; the shared litmus sample was not parsed")
      return
    }
    let expected = try String(contentsOf: Self.shared.appendingPathComponent("EXPECTED.tsv"), encoding: .utf8)
    let names = Dictionary(
      uniqueKeysWithValues: expected.split(separator: "\n").dropFirst().map { line in
        let fields = line.split(separator: "\t")
        return (String(fields[0]), String(fields[1]))
      })
    for file in Self.sharedFiles {
      let text = try String(contentsOf: Self.shared.appendingPathComponent(file), encoding: .utf8)
      do {
        let test = try LitmusParser.parse(text, file: file)
        #expect(test.threads.count >= 2, "\(file)")
        #expect(test.threads.allSatisfy { !$0.isEmpty }, "\(file)")
        if let name = names[file] { #expect(test.name == name, "\(file)") }
      } catch {
        Issue.record("\(error)")
      }
    }
  }

  static let messagePassing = """
    RISCV MP+fence+amocas
    "PodWW Rfe PodRR Fre"
    Cycle=Rfe PodRR Fre PodWW
    (* a comment
       over two lines *)
    {
    0:x5=1; 0:x6=x; 0:x7=y;
    1:a0=y; 1:a1=x; int z; int *p = &z;
    }
     P0             | P1                        ;
     sw x5,0(x6)    | lw t0,0(a0)               ;
     fence w,w      | L1: amocas.w.aq.rl t1,t2,(a1) ;
     sw x5,0(x7)    |                           ;
    locations [1:t1; x;]
    exists (1:t0=1 /\\ ~(1:t1=1) \\/ not (x=0))
    """

  @Test func readsEveryPart() throws {
    let test = try LitmusParser.parse(Self.messagePassing, file: "mp.litmus")
    #expect(test.name == "MP+fence+amocas")
    #expect(test.summary == "PodWW Rfe PodRR Fre")
    #expect(test.metadata["Cycle"] == "Rfe PodRR Fre PodWW")
    #expect(test.initial.count == 7)
    #expect(test.initial[0] == .init(location: .register(thread: 0, number: 5), value: .number(1), type: nil))
    #expect(test.initial[3] == .init(location: .register(thread: 1, number: 10), value: .address("y"), type: nil))
    #expect(test.initial[5] == .init(location: .memory("z"), value: nil, type: "int"))
    #expect(test.initial[6] == .init(location: .memory("p"), value: .address("z"), type: "int*"))
    #expect(test.threads.map(\.count) == [3, 2])
    let cas = test.threads[1][1]
    #expect(cas.label == "L1" && cas.mnemonic == "amocas.w.aq.rl" && cas.operands == ["t1", "t2", "(a1)"])
    #expect(cas.line == 12)
    #expect(test.observed == [.register(thread: 1, number: 6), .memory("x")])
    #expect(test.condition.quantifier == .exists)
    // /\ binds tighter than \/.
    #expect(test.condition.expression.description == "((1:x5=1 /\\ ~(1:x6=1)) \\/ ~(x=0))")
    let holds = test.condition.expression.holds { location in
      switch location {
      case .register(1, 5): .number(1)
      case .register(1, 6): .number(0)
      default: .number(0)
      }
    }
    #expect(holds)
  }

  @Test(arguments: [
    ("X86 T\n{}\n P0 ;\n nop ;\nexists (x=1)", 1, 1, "architecture 'X86' is not RISCV"),
    ("RISCV T\n{ 0:q9=1; }\n P0 ;\n nop ;\nexists (x=1)", 2, 3, "'q9' is not a register"),
    ("RISCV T\n{ 0:x1=1;\n P0 ;\n nop ;\nexists (x=1)", 5, 1, "the initial state has no closing '}'"),
    ("RISCV T\n{}\n P0 | P1 ;\n nop ;\nexists (x=1)", 4, 1, "a row has 1 columns, the table 2"),
    ("RISCV T\n{}\n P0 ;\n nop ;\nexists (x=1 /\\ (y=2)", 5, 8, "'(' without its ')'"),
    ("RISCV T\n{}\n P0 ;\n nop ;\nexists (x=1 # y=2)", 5, 13, "unexpected character '#' in the condition"),
    ("RISCV T\n{}\n P0 ;\n nop ;\nexists (x=1) ; ;", 5, 14, "unexpected ';'"),
    ("RISCV T\n{}\n P0 ;\n nop ;\nmaybe (x=1)", 5, 1, "expected an instruction, found 'maybe (x=1)'"),
    ("RISCV T\n{}\n P0 ;\n nop ;\nlocations [x;]\nforall", 6, 7, "the condition ends too early"),
    ("RISCV T\n{}\n P1 ;\n nop ;\nexists (x=1)", 3, 1, "thread 0 is named 'P1', expected P0"),
  ])
  func malformedInputNamesTheLineAndColumn(text: String, line: Int, column: Int, message: String) {
    do {
      _ = try LitmusParser.parse(text, file: "bad.litmus")
      Issue.record("parsed: \(text)")
    } catch {
      #expect(error.line == line && error.column == column, "\(error)")
      #expect(error.message == message, "\(error)")
      #expect(error.description.hasPrefix("bad.litmus:\(line):\(column): error: "))
    }
  }

  /// herd takes a condition ended by one semicolon, as tests posted with its output write them.
  @Test func aConditionMayEndWithASemicolon() throws {
    let plain = try LitmusParser.parse("RISCV T\n{}\n P0 ;\n nop ;\nexists (x=1 /\\ y=0)", file: "t.litmus")
    let ended = try LitmusParser.parse("RISCV T\n{}\n P0 ;\n nop ;\nexists (x=1 /\\ y=0);", file: "t.litmus")
    #expect("\(ended.condition.expression)" == "\(plain.condition.expression)")
    let kernel = try KernelLitmusParser.parse(
      "C T\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\nexists( x=1 );\n", file: "t.litmus")
    #expect(kernel.header.condition.quantifier == .exists)
  }

  /// herd reads `x==1` as `x=1` and `x!=1` as `~x=1`, in RISC-V and C tests alike, and so do
  /// older kernel tests (`exists (x!=0 \/ 0:r1=1:r2)`, decided by herd7 as Never 0 2).
  @Test func conditionsMayCompareWithDoubleEqualsAndNotEquals() throws {
    let text = "RISCV T\n{}\n P0 | P1 ;\n nop | nop ;\nexists (x==1 /\\ y!=0 /\\ 0:x5!=1:x5)"
    let test = try LitmusParser.parse(text, file: "t.litmus")
    #expect(
      test.condition.expression
        == .and(
          .and(.equals(.memory("x"), .number(1)), .not(.equals(.memory("y"), .number(0)))),
          .not(.same(.register(thread: 0, number: 5), .register(thread: 1, number: 5)))))
    let decrements = """
      C atomic_dec_and_test-is-atomic
      { x = 2; }
      P0(atomic_t *x) { int r1; r1 = atomic_dec_and_test(x); }
      P1(atomic_t *x) { int r2; r2 = atomic_dec_and_test(x); }
      exists (x!=0 \\/ 0:r1=1:r2)
      """
    let decided = try LitmusChecker(model: .lkmm).check(try KernelLitmusParser.parse(decrements, file: "t.litmus"))
    #expect(decided.verdict == .never && decided.negative == 2)
    // A lone '!' is still refused where it stands.
    #expect(throws: LitmusError.self) {
      try LitmusParser.parse(text.replacingOccurrences(of: "y!=0", with: "y!0"), file: "t")
    }
  }

  /// Conditions and filters past 2,000 terms are refused where their keyword is; a filter is read
  /// up to the quantifier's line.
  @Test func termBoundsAndFilters() throws {
    let many = Array(repeating: "x=1", count: 2_001).joined(separator: " /\\ ")
    for (clause, what) in [("exists (\(many))", "condition"), ("filter \(many)\nexists (x=1)", "filter")] {
      do {
        _ = try LitmusParser.parse("RISCV T\n{}\n P0 ;\n nop ;\n\(clause)", file: "t.litmus")
        Issue.record("\(what) of 2,001 terms accepted")
      } catch {
        #expect(error.line == 5 && error.column == 1, "\(error)")
        #expect(error.message == "the \(what) has 2001 terms; at most 2000 are read")
      }
    }
    let filtered = try LitmusParser.parse(
      "RISCV T\n{}\n P0 ;\n nop ;\nfilter x=0\n  /\\ y=0\nexists (x=1)", file: "t.litmus")
    #expect(filtered.filter == .and(.equals(.memory("x"), .number(0)), .equals(.memory("y"), .number(0))))
    #expect(filtered.condition.quantifier == .exists)
  }

  @Test func notExistsAndForallAreRead() throws {
    for (text, quantifier) in [("~exists (x=1)", LitmusTest.Quantifier.notExists), ("forall (x=1 \\/ x=0)", .forall)] {
      let test = try LitmusParser.parse("RISCV T\n{ x=0; }\n P0 ;\n sw x0,0(x1) ;\n\(text)", file: "q.litmus")
      #expect(test.condition.quantifier == quantifier)
    }
  }
}
