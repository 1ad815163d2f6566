import Testing

@testable import SpecModel

/// The GNU inline-assembly reader and the operand binder, on asm statements written in the shape
/// the kernel's RISC-V headers use.
@Suite struct InlineAssemblyTests {
  /// A compare-and-exchange loop in the kernel's LR/SC shape, fully ordered by `.rl` and a fence.
  static let loop = """
    __asm__ __volatile__ (
      "0:\\tlr.w %0, %2\\n"
      "\\tbne  %0, %z3, 1f\\n"
      "\\tsc.w.rl %1, %z4, %2\\n"
      "\\tbnez %1, 0b\\n"
      "\\tfence rw, rw\\n"
      "1:\\n"
      : "=&r" (ret), "=&r" (rc), "+A" (*(ptr))
      : "rJ" ((long)old), "rJ" (new)
      : "memory");
    """

  func read(_ text: String, file: String = "fixture.h") throws -> InlineAssembly {
    var parser = CParser(tokens: try CTokenizer.tokenize(text, file: file), file: file, index: 0)
    return try parser.inlineAssembly()
  }

  func readError(_ text: String) -> CSyntaxError? {
    do {
      _ = try read(text)
      return nil
    } catch let error as CSyntaxError {
      return error
    } catch {
      return nil
    }
  }

  @Test func readsTemplateOperandsAndClobbers() throws {
    let asm = try read(Self.loop)
    #expect(asm.template.hasPrefix("0:\tlr.w %0, %2\n\tbne"))
    #expect(asm.outputs.map(\.constraint) == ["=&r", "=&r", "+A"])
    #expect(asm.inputs.map(\.constraint) == ["rJ", "rJ"])
    #expect(asm.inputs[0].expression == .cast("long", .name("old")))
    #expect(asm.outputs[2].expression == .prefix("*", .name("ptr")))
    #expect(asm.clobbers == ["memory"])
    #expect(asm.outputs[0].isEarlyClobber && !asm.outputs[0].isReadWrite)
    #expect(asm.outputs[2].isReadWrite && asm.outputs[2].letters == "A")
    #expect(asm.location.line == 1)
  }

  @Test func bindsAndAssemblesTheLoop() throws {
    let asm = try read(Self.loop)
    // The new value is the constant 0: `%z4` becomes x0.
    let placements = try asm.placements(constantZero: [4])
    // Both outputs are early-clobber and the third is read-write: no output shares an input.
    #expect(placements.count == 1)
    let bound = try asm.bind(placements[0], xlen: 64)
    #expect(bound.program.map(\.mnemonic) == ["lr.w", "bne", "sc.w", "bne", "fence"])
    let (ret, rc, address, old) = (10, 11, 12, 13)
    #expect(placements[0] == [.register(ret), .register(rc), .memory(base: address), .register(old), .zero])
    #expect(bound.program[0].rd == ret && bound.program[0].rs1 == address)
    // bne ret, old, 1f: to the end of the program (index 5), four instructions on.
    #expect(bound.program[1].rs1 == ret && bound.program[1].rs2 == old && bound.program[1].immediate == 16)
    // sc.w.rl rc, zero, (address)
    #expect(bound.program[2].rd == rc && bound.program[2].rs2 == 0 && bound.program[2].rl && !bound.program[2].aq)
    // bnez rc, 0b: back to the lr.
    #expect(bound.program[3].rs1 == rc && bound.program[3].immediate == -12)
    // Without a known 0, `%z4` is a register.
    let general = try asm.bind(try asm.placements()[0], xlen: 64)
    #expect(general.program[2].rs2 == 14)
  }

  @Test func outputMayShareAnInputRegisterUnlessEarlyClobber() throws {
    let swap = """
      __asm__ __volatile__ ("\\tamoswap.w.aqrl %0, %2, %1\\n" : "=r" (ret), "+A" (*(p)) : "r" (new) : "memory");
      """
    let asm = try read(swap)
    let placements = try asm.placements()
    // Apart, or the result in the new value's register.
    #expect(placements.count == 2)
    #expect(placements[1][0] == placements[1][2])
    let shared = try asm.bind(placements[1], xlen: 32)
    #expect(shared.program[0].rd == shared.program[0].rs2)
    let early = try read(swap.replacingOccurrences(of: "\"=r\"", with: "\"=&r\""))
    #expect(try early.placements().count == 1)
  }

  @Test func namedOperandsAndGotoLabels() throws {
    let text = """
      asm goto("\\tbeq %[value], %z[zero], %l[out]\\n\\tsc.w %[rc], %[value], %[mem]\\n"
               : : [value] "r" (v), [zero] "rJ" (0), [rc] "r" (rc), [mem] "A" (*p) : "memory" : out);
      """
    let asm = try read(text)
    #expect(asm.gotoLabels == ["out"] && asm.inputs.map(\.name) == ["value", "zero", "rc", "mem"])
    let bound = try asm.bind(try asm.placements(constantZero: [1])[0], xlen: 64)
    #expect(bound.exits["out"] == 2)
    #expect(bound.program[0].rs2 == 0 && bound.program[0].immediate == 8)
  }

  @Test func malformedStatementsAreLocated() {
    #expect(readError("asm volatile (\"nop\" : : \"r\" (x)")?.reason.contains("expected ')'") == true)
    #expect(readError("asm goto (\"j %l0\" : : : \"memory\");")?.reason.contains("names no label") == true)
    #expect(readError("__asm__ (x);")?.reason.contains("not a string literal") == true)
    #expect(readError("asm (\"nop\\q\");")?.reason.contains("unknown escape") == true)
    let located = readError("\n\n  asm (\"nop\" : : : : );")
    #expect(located?.location.line == 3 && located?.reason.contains("at most 3") == true)
  }

  @Test func bindingRefusesWhatItCannotPlace() throws {
    func refusal(_ text: String, zero: Set<Int> = []) throws -> String? {
      let asm = try read(text)
      do {
        for places in try asm.placements(constantZero: zero) { _ = try asm.bind(places, xlen: 64) }
        return nil
      } catch { return error.reason }
    }
    #expect(try refusal("asm (\"ld %0, %1\" : \"=r\" (x) : \"m\" (*p));")?.contains("\"m\"") == true)
    #expect(try refusal("asm (\"mv %0, %3\" : \"=r\" (x) : \"r\" (y));")?.contains("operand 3 of 2") == true)
    #expect(try refusal("asm (\"0: bnez %0, 1f\" : : \"r\" (x));")?.contains("'1f' has no definition") == true)
    #expect(try refusal("asm (\"mv %0, %z1\" : \"=r\" (x) : \"J\" (y));")?.contains("not known to be 0") == true)
    #expect(try refusal("asm (\"frob %0\" : \"=r\" (x));")?.contains("does not assemble") == true)
    #expect(try refusal("asm (\"add %0, %z1, %1\" : \"=r\" (x) : \"A\" (*p));")?.contains("'%z' applied") == true)
  }

  /// `register … asm("t1")` operands stay in their registers, never x0 (even for a constant 0
  /// under `J`), and no other operand is given those registers.
  @Test func registerVariablesKeepTheirRegisters() throws {
    let asm = try read(
      """
      __asm__ __volatile__ ("amocas.q %0, %z3, %2" : "+&r" (lo), "+&r" (hi), "+A" (*(p)) : "rJ" (slo), "rJ" (shi));
      """)
    let fixed = [0: 28, 1: 29, 3: 6, 4: 7]
    let placements = try asm.placements(constantZero: [3, 4], fixed: fixed)
    #expect(placements.count == 1)
    let places = try #require(placements.first)
    #expect(places[0] == .register(28) && places[1] == .register(29) && places[3] == .register(6))
    guard case .memory(let base) = places[2] else {
      Issue.record("the memory operand was not placed in memory")
      return
    }
    #expect(!fixed.values.contains(base))
    let bound = try asm.bind(places, xlen: 64)
    #expect(bound.program.map(\.assembly) == ["amocas.q t3, t1, (\(RegisterNames.name(base)))"])
    // Without the bindings, the zero constant takes x0, which would read the pair as zero.
    let free = try asm.placements(constantZero: [3, 4])
    #expect(free.first?[3] == .zero)
  }

  @Test func registerVariablesAndInitialiserListsAreRead() throws {
    let text = """
      { register unsigned long t1 asm ("t1") = h.lo; union halves h2 = { .whole = (n), 3 }; }
      """
    var parser = CParser(tokens: try CTokenizer.tokenize(text, file: "f.h"), file: "f.h", index: 0)
    parser.gnuExtensions = true
    let block = try parser.block()
    guard case .extended(.registerVariable(let type, let name, let register, let initial), _) = block.first else {
      Issue.record("no register variable: \(block)")
      return
    }
    #expect(type == "unsigned long" && name == "t1" && register == "t1")
    #expect(initial == .member(.name("h"), "lo", arrow: false))
    guard case .declaration(let recordType, let names, _) = block.last else {
      Issue.record("no declaration")
      return
    }
    #expect(recordType == "union halves")
    #expect(names.first?.initial?.text == "{.whole=n,3}")
    // Two register variables in one declaration are refused where they stand.
    var two = CParser(
      tokens: try CTokenizer.tokenize("{ register long a asm(\"t1\") = 1, b = 2; }", file: "g.h"), file: "g.h", index: 0
    )
    two.gnuExtensions = true
    #expect(throws: CSyntaxError.self) { try two.block() }
  }

  @Test func recordsAreLaidOutFromTheirDefinitions() throws {
    let text = """
      union halves { u128 whole; struct { u64 lo, hi; }; };
      struct pair { u32 a; u64 b; };
      struct odd { u32 bits[4]; };
      """
    let records = CRecord.definitions(in: try CTokenizer.tokenize(text, file: "r.h"), xlen: 64)
    let halves = try #require(records["union halves"])
    #expect(halves.bits == 128)
    #expect(halves.field("whole")?.offset == 0 && halves.field("lo")?.offset == 0 && halves.field("hi")?.offset == 64)
    // A struct's fields follow each other, each aligned to its size.
    #expect(records["struct pair"]?.field("b")?.offset == 64 && records["struct pair"]?.bits == 128)
    // An array field is not read: the record is left out, and its users are unknown.
    #expect(records["struct odd"] == nil)
  }

  @Test func functionsAreReadWithTheirParameters() throws {
    let text = """
      static inline int twice(const atomic_t *v, int i) { return i + i; }
      static inline void none(void) { }
      static inline int broken(int i) { return i +; }
      static inline int unnamed(int) { return 0; }
      """
    let functions = CFunction.definitions(in: try CTokenizer.tokenize(text, file: "f.h"), file: "f.h")
    let twice = try #require(functions["twice"])
    #expect(twice.returnType == "int" && twice.parameters.map(\.name) == ["v", "i"])
    #expect(twice.parameters.first?.type == "const atomic_t *" && twice.body != nil)
    #expect(functions["none"]?.parameters.isEmpty == true)
    // A body that cannot be read is kept with the reason: a call of it is unknown, not skipped.
    #expect(functions["broken"]?.body == nil && functions["broken"]?.unreadable?.contains("f.h") == true)
    // An unnamed parameter is a list this reader does not take: no definition, so no call followed.
    #expect(functions["unnamed"] == nil)
  }
}
