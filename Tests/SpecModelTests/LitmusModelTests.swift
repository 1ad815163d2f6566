import Foundation
import Testing

@testable import SpecModel

@Suite struct LitmusModelTests {
  /// The shared samples: the RISC-V memory-model group's suite files with herd7's verdicts and counts.
  static func folder(_ name: String) -> URL {
    LitmusParserTests.shared.deletingLastPathComponent().appendingPathComponent(name)
  }

  static func expected(in folder: URL) -> [(file: String, verdict: String, positive: Int, negative: Int)] {
    guard let text = try? String(contentsOf: folder.appendingPathComponent("EXPECTED.tsv"), encoding: .utf8)
    else { return [] }
    return text.split(separator: "\n").dropFirst().map { line in
      let fields = line.split(separator: "\t").map(String.init)
      return (fields[0], fields[2], Int(fields[3]) ?? -1, Int(fields[4]) ?? -1)
    }
  }

  /// Every shared test gets herd's verdict and its exact Positive/Negative counts: AMOs as single
  /// events under fence.tso, dependencies out of an SC's write, a retry loop unrolled as herd does,
  /// fence.i under a control dependency and filter clauses included.
  @Test(arguments: ["litmus", "litmus-fidelity"])
  func sharedSampleMatchesHerd(folderName: String) throws {
    let folder = Self.folder(folderName)
    let rows = Self.expected(in: folder)
    guard !rows.isEmpty else {
      print("note: \(folder.path) not found; that shared litmus sample was not checked")
      return
    }
    var mismatches: [String] = []
    for row in rows {
      let text = try String(contentsOf: folder.appendingPathComponent(row.file), encoding: .utf8)
      do {
        let result = try LitmusChecker().check(try LitmusParser.parse(text, file: row.file))
        if result.verdict.rawValue != row.verdict || result.positive != row.positive || result.negative != row.negative
        {
          mismatches.append(
            "\(row.file): \(result.verdict.rawValue) \(result.positive)/\(result.negative), expected \(row.verdict) \(row.positive)/\(row.negative)"
          )
        }
      } catch {
        mismatches.append("\(row.file): \(error)")
      }
    }
    #expect(mismatches.isEmpty, "\(mismatches.count) of \(rows.count):\n\(mismatches.joined(separator: "\n"))")
  }

  /// With the count stopped after one execution, every shared test still gets herd's verdict,
  /// and its counts are lower bounds of herd's.
  @Test func sharedVerdictsSettleWithoutTheWholeCount() throws {
    let folder = Self.folder("litmus")
    let rows = Self.expected(in: folder)
    guard !rows.isEmpty else { return }
    var checker = LitmusChecker()
    checker.executionLimit = 1
    var problems: [String] = []
    var settled = 0
    for row in rows {
      let text = try String(contentsOf: folder.appendingPathComponent(row.file), encoding: .utf8)
      let result = try checker.check(try LitmusParser.parse(text, file: row.file))
      if result.verdictSettled { settled += 1 }
      if !result.decided || result.verdict.rawValue != row.verdict || result.positive > row.positive
        || result.negative > row.negative
      {
        problems.append(
          "\(row.file): \(result.verdict.rawValue) \(result.positive)/\(result.negative), herd \(row.verdict)")
      }
    }
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    #expect(settled > rows.count / 2, "\(settled) of \(rows.count) settled")
  }

  func verdict(_ text: String, unroll: Int = LoopUnroller.defaultBound) throws -> LitmusResult {
    var checker = LitmusChecker()
    checker.loopBound = unroll
    return try checker.check(try LitmusParser.parse(text, file: "test.litmus"))
  }

  /// A counting loop is unrolled to the bound: past it nothing is decided, within it the answer
  /// is exact; a retry loop reports that longer executions were left out.
  /// `slt`, `sltu`, `slti` and `sltiu` give 1 when the first operand is below the second, signed
  /// or unsigned, else 0; `seqz` and `snez` are two of them.
  @Test func setLessThanComparesSignedAndUnsigned() throws {
    let test = """
      RISCV SLT
      { 0:x5=-1; 0:x6=3; 0:x7=3; }
       P0                ;
       slt x10,x5,x6     ;
       sltu x11,x5,x6    ;
       slti x12,x6,4     ;
       sltiu x13,x5,1    ;
       xor x14,x6,x7     ;
       sltiu x15,x14,1   ;
       sltu x16,x0,x14   ;
      exists (0:x10=1 /\\ 0:x11=0 /\\ 0:x12=1 /\\ 0:x13=0 /\\ 0:x15=1 /\\ 0:x16=0)
      """
    let checker = LitmusChecker(model: .rvwmo)
    #expect(try checker.check(try LitmusParser.parse(test, file: "t")).verdict == .always)
    // Each value alone is checked: any other one is never reached.
    for (register, wrong) in [("x10", 0), ("x11", 1), ("x12", 0), ("x13", 1), ("x15", 0), ("x16", 1)] {
      let other = test.replacingOccurrences(
        of: "exists (0:x10=1 /\\ 0:x11=0 /\\ 0:x12=1 /\\ 0:x13=0 /\\ 0:x15=1 /\\ 0:x16=0)",
        with: "exists (0:\(register)=\(wrong))")
      #expect(try checker.check(try LitmusParser.parse(other, file: "t")).verdict == .never, "\(register)")
    }
  }

  @Test func loopsAreUnrolledToTheBound() throws {
    let counting = """
      RISCV Count
      { 0:x5=x; }
       P0             ;
       li x6,5        ;
       LOOP:          ;
       addi x6,x6,-1  ;
       sw x6,0(x5)    ;
       bne x6,x0,LOOP ;
      exists (x=0)
      """
    let short = try verdict(counting)
    #expect(!short.decided && short.beyondBound && short.loopBound == 2)
    let enough = try verdict(counting, unroll: 4)
    #expect(enough.decided && enough.verdict == .always && enough.positive == 1 && !enough.beyondBound)
    // `j` backward is an unconditional loop: never done within any bound.
    let forever = try verdict(
      "RISCV Spin\n{ 0:x5=x; }\n P0 ;\n L: ;\n sw x0,0(x5) ;\n j L ;\nexists (x=0)")
    #expect(!forever.decided && forever.beyondBound)
    // `j` forward skips.
    let skip = try verdict(
      "RISCV Skip\n{ 0:x5=x; 0:x6=1; }\n P0 ;\n j L ;\n sw x6,0(x5) ;\n L: ;\n nop ;\nexists (x=1)")
    #expect(skip.verdict == .never && skip.decided && skip.loopBound == nil)
  }

  /// Nested loops unrolled far enough would make a huge program: a located error instead.
  @Test func unrollingHasALimit() throws {
    let nested =
      "RISCV Nest\n{}\n P0 ;\n A: ;\n B: ;\n C: ;\n nop ;\n bne x1,x0,C ;\n bne x1,x0,B ;\n bne x1,x0,A ;\nexists (0:x1=0)"
    #expect(try verdict(nested).decided)
    do {
      _ = try verdict(nested, unroll: 64)
      Issue.record("an unrolling past 4,096 instructions was accepted")
    } catch let error as LitmusModelError {
      #expect(error.message == "unrolling the loops 64 times makes more than 4096 instructions")
      #expect(error.line == 9)
    }
  }

  /// An AMO is one event: fence.tso after it orders its write before a later load. As two events
  /// (the earlier model) the store-buffering shape below was allowed.
  @Test func anAMOIsOneEventUnderFenceTSO() throws {
    let text = """
      RISCV SB+amoswap-fence.tso
      { 0:x5=x; 0:x7=1; 0:x9=y; 1:x5=y; 1:x7=1; 1:x9=x; }
       P0                   | P1                   ;
       amoswap.w x6,x7,(x5) | amoswap.w x6,x7,(x5) ;
       fence.tso            | fence.tso            ;
       lw x8,0(x9)          | lw x8,0(x9)          ;
      exists (0:x8=0 /\\ 1:x8=0)
      """
    #expect(try verdict(text).verdict == .never)
    let withoutFence = text.replacingOccurrences(of: "fence.tso            | fence.tso            ;\n", with: "")
    #expect(try verdict(withoutFence).verdict == .sometimes)
  }

  /// A filter drops executions from the counts altogether.
  /// A register written again depends on its new reads only, and one written on one side of a
  /// branch depends on that side's reads only where that side ran: load buffering whose store
  /// takes its value from the register is allowed when the value no longer comes from the first
  /// load, and forbidden where it still does.
  @Test func dependenciesFollowTheRegisterOnItsPath() throws {
    let reused = """
      RISCV LB+reused
      {
      z=1;
      0:x6=x; 0:x7=y; 0:x9=z;
      1:x7=y; 1:x8=x;
      }
       P0          | P1          ;
       lw x5,0(x6) | lw x5,0(x7) ;
       mv x10,x5   | fence rw,rw ;
       lw x5,0(x9) | li x6,1     ;
       sw x5,0(x7) | sw x6,0(x8) ;
      exists (0:x10=1 /\\ 1:x5=1)
      """
    #expect(try verdict(reused).verdict == .sometimes)
    // Stored from the first load's register itself: a data dependency, so never.
    #expect(try verdict(reused.replacingOccurrences(of: "lw x5,0(x9)", with: "lw x11,0(x9)")).verdict == .never)

    func onAPath(z: Int) -> String {
      """
      RISCV LB+overwritten-on-a-path
      {
      z=\(z);
      0:x6=x; 0:x7=y; 0:x9=z;
      1:x7=y; 1:x8=x;
      }
       P0           | P1          ;
       lw x5,0(x6)  | lw x5,0(x7) ;
       mv x10,x5    | fence rw,rw ;
       lw x8,0(x9)  | li x6,1     ;
       beq x8,x0,L1 | sw x6,0(x8) ;
       li x5,1      |             ;
       L1:          |             ;
       sw x5,0(x7)  |             ;
      exists (0:x10=1 /\\ 1:x5=1)
      """
    }
    // z=1 overwrites the register before the store; z=0 keeps the first load's value.
    #expect(try verdict(onAPath(z: 1)).verdict == .sometimes)
    #expect(try verdict(onAPath(z: 0)).verdict == .never)
  }

  /// Enumerating final states rather than executions finds the same states and verdict, each
  /// state once: on every corpus test and shared sample at hand.
  @Test func finalStatesAreThoseOfTheExecutions() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let folders = [root.appendingPathComponent("corpus/litmus"), Self.folder("litmus")]
    var compared = 0
    for folder in folders {
      let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
      for file in files.sorted() where file.hasSuffix(".litmus") {
        let test = try LitmusParser.parse(
          try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8), file: file)
        let executions = try LitmusChecker().check(test)
        var checker = LitmusChecker()
        checker.enumeration = .finalStates
        let states = try checker.check(test)
        #expect(Set(states.states) == Set(executions.states), "\(file)")
        #expect(states.verdict == executions.verdict, "\(file)")
        #expect(states.positive + states.negative == executions.states.count, "\(file)")
        // Asking whether the condition can hold finds the same states that satisfy it, and one
        // execution that does not where there is one.
        checker.enumeration = .conditionFirst
        let condition = try checker.check(test)
        #expect(condition.verdict == executions.verdict, "\(file)")
        #expect(condition.positive == states.positive, "\(file)")
        #expect(condition.negative == min(states.negative, 1), "\(file)")
        #expect(Set(condition.states).isSubset(of: Set(states.states)), "\(file)")
        // One call per satisfying state, one that finds none, one for an execution that misses.
        #expect(condition.enumerationCalls == states.positive + 2, "\(file)")
        #expect(states.enumerationCalls == states.positive + states.negative + 1, "\(file)")
        compared += 1
      }
    }
    #expect(compared >= 10)
  }

  @Test func aFilterNarrowsTheExecutions() throws {
    let text = """
      RISCV MP-filtered
      { 0:x5=x; 0:x6=y; 1:x5=x; 1:x6=y; 0:x7=1; }
       P0          | P1          ;
       sw x7,0(x5) | lw x8,0(x6) ;
       sw x7,0(x6) | lw x9,0(x5) ;
      filter (1:x8=1)
      exists (1:x9=0)
      """
    let filtered = try verdict(text)
    let whole = try verdict(text.replacingOccurrences(of: "filter (1:x8=1)\n", with: ""))
    #expect(filtered.positive == 1 && filtered.negative == 1)
    #expect(whole.positive + whole.negative == 4)
  }
}

/// rvcheck's own litmus tests with amocas; each states its expected verdicts in a comment
/// `(* rvcheck: expect rvwmo VERDICT; sc VERDICT` and says why.
@Suite struct AmocasLitmusTests {
  static let folder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("corpus/litmus")

  static var files: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".litmus") }
      .sorted()
  }

  static func expectations(_ text: String) -> [MemoryModelKind: String] {
    guard let line = text.split(separator: "\n").first(where: { $0.contains("rvcheck: expect") }) else { return [:] }
    var result: [MemoryModelKind: String] = [:]
    let body = line.components(separatedBy: "rvcheck: expect").last ?? ""
    for part in body.split(separator: ";") {
      let words = part.split(separator: " ").map(String.init)
      if words.count >= 2, let model = MemoryModelKind(rawValue: words[0]) { result[model] = words[1] }
    }
    return result
  }

  @Test func thereAreAmocasTests() {
    #expect(Self.files.count >= 7)
  }

  @Test(arguments: files)
  func verdictIsTheStatedOne(file: String) throws {
    let text = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
    let expected = Self.expectations(text)
    #expect(expected.count == 2, "\(file) states no expected verdicts")
    let test = try LitmusParser.parse(text, file: file)
    for (model, verdict) in expected {
      let result = try LitmusChecker(model: model).check(test)
      #expect(
        result.verdict.rawValue == verdict,
        "\(file) under \(model): \(result.verdict) \(result.positive)/\(result.negative)")
    }
  }

  /// Dropping one preserved-program-order rule changes a verdict: the model is not vacuous.
  @Test(arguments: [
    (4, "MP+fence.rw.w-release+amocas.litmus"), (5, "MP+fence.w.w+amocas.aq-success.litmus"),
    (6, "SB+amocas.aqrl-succeeding.litmus"),
  ])
  func droppingAPreservedProgramOrderRuleChangesAVerdict(rule: Int, file: String) throws {
    let text = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
    let test = try LitmusParser.parse(text, file: file)
    var weakened = LitmusChecker()
    weakened.droppedRules = [rule]
    #expect(try LitmusChecker().check(test).verdict == .never)
    #expect(try weakened.check(test).verdict == .sometimes)
  }

  /// A failed amocas that writes the old value back is a write, but still not a release.
  @Test func failedCASWriteBackIsAProfileChoice() throws {
    let text = try String(
      contentsOf: Self.folder.appendingPathComponent("SB+amocas.aqrl-failing.litmus"), encoding: .utf8)
    let test = try LitmusParser.parse(text, file: "SB")
    var checker = LitmusChecker()
    for choice in FailedCASWrite.allCases {
      checker.failedCAS = choice
      #expect(try checker.check(test).positive > 0, "\(choice)")
    }
  }
}

@Suite struct LitmusWidthTests {
  /// amocas.b/h compare only their low bits; amocas.q is refused with its reason.
  @Test func narrowAmocasComparesTheLowBits() throws {
    let text = """
      RISCV narrow
      { 0:x6=x; 0:a0=0x100; 0:a1=5; }
       P0                  ;
       amocas.b a0,a1,(x6) ;
      exists (x=5)
      """
    let result = try LitmusChecker().check(try LitmusParser.parse(text, file: "narrow.litmus"))
    #expect(result.verdict == .always)
    let wide = text.replacingOccurrences(of: "amocas.b", with: "amocas.q")
    #expect(throws: LitmusModelError.self) { try LitmusChecker().check(try LitmusParser.parse(wide, file: "q.litmus")) }
  }

  /// A count cut short still settles the verdict: the solver is asked directly for the side not
  /// seen yet. With no budget left nothing is decided, and zero executions never read as Never.
  @Test func aCountCutShortStillSettlesTheVerdict() throws {
    let never = try LitmusParser.parse(
      try String(
        contentsOf: AmocasLitmusTests.folder.appendingPathComponent("SB+amocas.aqrl-failing.litmus"), encoding: .utf8),
      file: "SB")
    var checker = LitmusChecker(model: .sc)
    let whole = try checker.check(never)
    #expect(whole.decided && whole.verdict == .never && whole.negative > 1 && !whole.verdictSettled)
    checker.executionLimit = 1
    let cut = try checker.check(never)
    #expect(cut.incomplete == "stopped after 1 executions")
    #expect(cut.decided && cut.verdictSettled)
    #expect(cut.verdict == .never && cut.positive == 0 && (1..<whole.negative).contains(cut.negative))
    checker.budget = .zero
    checker.executionLimit = 4096
    let none = try checker.check(never)
    #expect(none.incomplete?.hasPrefix("the budget of") == true)
    #expect(!none.decided && !none.verdictSettled)
    let sometimes = LitmusResult(
      verdict: .sometimes, positive: 1, negative: 1, states: [], witness: [], incomplete: "stopped after 2 executions")
    #expect(sometimes.decided)
    #expect(!LitmusResult(verdict: .never, positive: 0, negative: 0, states: [], witness: []).decided)
  }
}
