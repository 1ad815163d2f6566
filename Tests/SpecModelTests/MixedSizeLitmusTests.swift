import Testing

@testable import SpecModel

/// Accesses of different sizes to one location: each byte reads from some store, coherence holds
/// per byte, and an instruction keeps one place in the global memory order.
@Suite struct MixedSizeLitmusTests {
  func result(_ text: String, tearing: Bool = false) throws -> LitmusResult {
    var checker = LitmusChecker()
    checker.granulesTogether = !tearing
    return try checker.check(try LitmusParser.parse(text, file: "mixed.litmus"))
  }

  /// A word store seen by a word load is seen whole (a halfword load elsewhere makes the test one
  /// of granules); two halfword loads may see one half each.
  @Test func aWordIsReadWholeAndHalvesApart() throws {
    let word = """
      RISCV Torn
      {
      0:x5=x; 1:x5=x; 1:x4=y;
      0:x6=0x10001;
      }
       P0          | P1          ;
       sw x6,0(x5) | lw x7,0(x5) ;
                   | lh x8,0(x4) ;
      exists (1:x7=0x10000 \\/ 1:x7=1)
      """
    let torn = try result(word)
    #expect(torn.verdict == .never)
    #expect(torn.positive == 0 && torn.negative == 2)
    // The check that forbids it: with the granules of an access free to take separate places in
    // the order, the word load tears.
    #expect(try result(word, tearing: true).verdict == .sometimes)

    let halves = try result(
      """
      RISCV Halves
      {
      0:x5=x; 1:x5=x;
      0:x6=0x10001;
      }
       P0          | P1          ;
       sw x6,0(x5) | lh x7,0(x5) ;
                   | lh x8,2(x5) ;
      exists (1:x7=1 /\\ 1:x8=0)
      """)
    #expect(halves.verdict == .sometimes)
    #expect(halves.positive == 1 && halves.negative == 3)
  }

  /// A halfword store into a word is ordered by fences like any store, and read through the word.
  @Test func fencesOrderAHalfwordStoreSeenThroughAWord() throws {
    func messagePassing(fenced: Bool) -> String {
      """
      RISCV MPHalf
      {
      0:x5=x; 0:x4=y; 1:x5=x; 1:x4=y;
      0:x6=1;
      }
       P0          | P1          ;
       sh x6,2(x5) | lw x7,0(x4) ;
       \(fenced ? "fence w,w  " : "           ") | \(fenced ? "fence r,r  " : "           ") ;
       sw x6,0(x4) | lw x8,0(x5) ;
      exists (1:x7=1 /\\ 1:x8=0)
      """
    }
    #expect(try result(messagePassing(fenced: true)).verdict == .never)
    #expect(try result(messagePassing(fenced: false)).verdict == .sometimes)
  }

  /// An AMO or an LR/SC pair on a word is atomic for each of its bytes: a halfword store into it
  /// lands before or after, never between.
  @Test func atomicsStayAtomicAgainstANarrowerStore() throws {
    let amo = try result(
      """
      RISCV AmoHalf
      {
      0:x5=x; 1:x5=x;
      0:x6=0x10000; 1:x6=1;
      }
       P0                  | P1          ;
       amoadd.w x7,x6,(x5) | sh x6,0(x5) ;
      exists (x=0x10001 /\\ 0:x7=0)
      """)
    #expect(amo.verdict == .sometimes)
    #expect(amo.positive == 1 && amo.negative == 1)
    #expect(Set(amo.states) == [["0:x7=0", "x=65537"], ["0:x7=1", "x=65537"]])

    let pair = try result(
      """
      RISCV LrScHalf
      {
      0:x5=x; 1:x5=x;
      0:x6=0x10000; 1:x6=1;
      }
       P0              | P1          ;
       L0:             | sh x6,0(x5) ;
       lr.w x7,(x5)    |             ;
       add x8,x7,x6    |             ;
       sc.w x9,x8,(x5) |             ;
       bne x9,x0,L0    |             ;
      exists (x=0x10000)
      """)
    #expect(pair.verdict == .never)
  }

  /// A location's declared type gives its size and how its final value extends.
  @Test func aDeclaredTypeSizesTheLocation() throws {
    func halves(_ type: String, expecting value: String) -> String {
      """
      RISCV Typed
      {
      \(type) x; 0:x5=x; 1:x5=x;
      0:x6=-1; 1:x6=-1;
      }
       P0          | P1          ;
       sh x6,0(x5) | sh x6,2(x5) ;
      exists (x=\(value))
      """
    }
    #expect(try result(halves("int", expecting: "-1")).verdict == .always)
    #expect(try result(halves("uint32_t", expecting: "0xffffffff")).verdict == .always)
    #expect(try result(halves("uint64_t", expecting: "0xffffffff")).verdict == .always)
    #expect(try result(halves("int", expecting: "0xffffffff")).verdict == .never)
  }

  /// An access at an offset into a location is into that location, whatever the sizes: two
  /// halfword stores to the halves of an untyped location make one word.
  @Test func anOffsetReachesIntoItsLocation() throws {
    let halves = try result(
      """
      RISCV Halves
      {
      0:x5=x; 1:x5=x;
      0:x6=1; 1:x6=1;
      }
       P0          | P1          ;
       sh x6,0(x5) | sh x6,2(x5) ;
      exists (x=0x10001)
      """)
    #expect(halves.verdict == .always)
  }

  /// Each untyped location is as wide as its accesses reach: a word store of -1 reads as -1 beside
  /// a doubleword elsewhere, not as a doubleword with a zero upper half.
  @Test func eachLocationHasItsOwnWidth() throws {
    let words = try result(
      """
      RISCV Widths
      {
      0:x5=x; 0:x4=y;
      0:x6=-1;
      }
       P0          ;
       sw x6,0(x5) ;
       sd x6,0(x4) ;
      exists (x=-1 /\\ y=-1)
      """)
    #expect(words.verdict == .always, "\(words.states)")
  }

  /// Tests whose accesses all have one size are decided over their own events.
  @Test func oneSizeKeepsTheEvents() throws {
    let z3 = Z3Context()
    let test = try LitmusParser.parse(
      """
      RISCV Plain
      {
      0:x5=x; 1:x5=x; 0:x6=1;
      }
       P0          | P1          ;
       sw x6,0(x5) | lw x7,0(x5) ;
      exists (1:x7=1)
      """, file: "plain.litmus")
    let execution = try LitmusExecution(z3: z3, test: test)
    let sized = MixedSizeAccesses(execution, z3: z3)
    #expect(sized.granule == nil)
    #expect(sized.events.count == execution.events.count)
  }

  /// A row whose comment runs onto the next line goes on there, as herd reads it.
  @Test func aRowMayRunOnInsideAComment() throws {
    let test = try LitmusParser.parse(
      """
      RISCV RunOn
      {
      0:x5=x; 1:x5=x; 0:x6=1;
      }
       P0          | P1                     ;
       sw x6,0(x5) | lw x7,0(x5) (* a comment
                                   that goes on *) ;
      exists (1:x7=1)
      """, file: "runon.litmus")
    #expect(test.threads.map(\.count) == [1, 1])
  }
}
