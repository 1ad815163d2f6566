import Foundation
import Testing

@testable import SpecModel

@Suite struct CTokenizerTests {
  @Test func commentsContinuationsAndPreprocessorLines() throws {
    let text = """
      #define KVM_ISA_EXT_ARR(ext)\t\\
      [KVM_RISCV_ISA_EXT_##ext] = RISCV_ISA_EXT_##ext
      /* a block
         comment */ static int x = 0x10; // trailing
      case KVM_RISCV_ISA_EXT_A: /* between */ case B:
      """
    let tokens = try CTokenizer.tokenize(text, file: "t.c")
    #expect(tokens[0].kind == .preprocessor)
    #expect(tokens[0].text.contains("RISCV_ISA_EXT_##ext"))
    #expect(tokens.map(\.text).contains("0x10"))
    #expect(!tokens.contains { $0.text.contains("comment") || $0.text == "trailing" })
    let caseToken = try #require(tokens.first { $0.text == "KVM_RISCV_ISA_EXT_A" })
    #expect(caseToken.line == 5 && caseToken.column == 6)
  }

  @Test func unterminatedCommentsAndStringsAreLocated() {
    #expect(throws: SourceError.self) { try CTokenizer.tokenize("int a; /* open", file: "t.c") }
    do {
      _ = try CTokenizer.tokenize("x\n  \"open", file: "t.c")
      Issue.record("accepted an open string")
    } catch {
      #expect(error.line == 2 && error.column == 3)
    }
  }
}

@Suite struct PolicyTests {
  static let kernel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("corpus/kernel")

  func prove(_ fixture: String) throws -> [Obligation] {
    try PolicyProver(policy: KernelReader.read(tree: Self.kernel.appendingPathComponent(fixture).path)).run()
  }

  func status(_ obligations: [Obligation], _ name: String) -> [ObligationStatus] {
    obligations.filter { $0.name == name }.map(\.status)
  }

  @Test(arguments: ["era-6.4-vcpu", "era-2025-vcpu-onereg", "era-2026-isa", "era-mainline-isa"])
  func everyEraReadsAndProves(fixture: String) throws {
    let obligations = try prove(fixture)
    #expect(
      !obligations.contains { $0.status == .violated || $0.status == .unknown },
      "\(obligations.filter { $0.status != .proved }.map(\.message))")
    let policy = try KernelReader.read(tree: Self.kernel.appendingPathComponent(fixture).path)
    #expect(policy.ids.count == policy.max)
    #expect(policy.disable.answer("A") == .never)
    #expect(
      policy.enable.answer("H")
        == (fixture == "era-2026-isa" ? .predicate("kvm_riscv_nested_available()", negated: false) : .never))
    #expect(policy.setter.model != nil)
  }

  /// A whole RISC-V port from before KVM is told apart from a partial copy or a folder that is
  /// no kernel tree.
  @Test func aTreeWithoutKVMSaysWhy() throws {
    for (port, message) in [(true, "predates KVM (v5.16)"), (false, "a Linux tree?")] {
      let root = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-nokvm-\(UUID().uuidString)")
      defer { try? FileManager.default.removeItem(at: root) }
      try FileManager.default.createDirectory(
        at: root.appendingPathComponent("arch/riscv/include/asm"), withIntermediateDirectories: true)
      if port { try Data("config RISCV\n".utf8).write(to: root.appendingPathComponent("arch/riscv/Kconfig")) }
      do {
        _ = try KernelReader.locate(tree: root.path)
        Issue.record("located a policy in \(root.path)")
      } catch {
        #expect(error.message.contains(message) && error.file.hasSuffix("uapi/asm/kvm.h"), "\(error)")
      }
    }
  }

  @Test func theErasUseTheirOwnFiles() throws {
    #expect(
      try KernelReader.locate(tree: Self.kernel.appendingPathComponent("era-6.4-vcpu").path).policy.hasSuffix("vcpu.c"))
    #expect(
      try KernelReader.locate(tree: Self.kernel.appendingPathComponent("era-2025-vcpu-onereg").path).policy.hasSuffix(
        "vcpu_onereg.c"))
    let modern = try KernelReader.read(tree: Self.kernel.appendingPathComponent("era-2026-isa").path)
    #expect(modern.policyFile.hasSuffix("isa.c"))
    #expect(modern.max == 78)
    #expect(modern.enumEntries.first { $0.name == "ZACAS" }?.value == 53)
    #expect(modern.enable.answer("SSCOFPMF") == .predicate("kvm_riscv_isa_check_host(SSAIA)", negated: true))
    #expect(
      modern.disable.answer("SSAIA")
        == .predicate("riscv_has_extension_unlikely(RISCV_ISA_EXT_SMSTATEEN)", negated: false))
    #expect(modern.enable.answer("SVADU") == .predicate("arch_has_hw_pte_young()", negated: false))
    // The 2026 struct table: brace initializers, the two-argument macro, nested flags, the remap.
    #expect(modern.table.first { $0.id == "A" }?.nested == true)
    #expect(modern.table.first { $0.id == "ZICBOM" }?.nested == false)
    #expect(modern.hostCheckRemap == ["SMNPM": "SSNPM"])
    #expect(modern.nestedFilter)
  }

  @Test func aRemappedHostCheckIsReported() throws {
    let modern = try prove("era-2026-isa")
    let remapped = modern.filter { $0.name == "no-enable-without-host" }
    #expect(remapped.map(\.status) == [.warning])
    #expect(remapped.first?.message.contains("SMNPM is given to the guest when the host has SSNPM") == true)
    #expect(status(try prove("era-2025-vcpu-onereg"), "no-enable-without-host") == [.proved])
  }

  @Test func zacasIsProvedNeverDisabled() throws {
    let obligations = try prove("era-2025-vcpu-onereg")
    let zacas = try #require(obligations.first { $0.name == "no-disable-path.ZACAS" })
    #expect(zacas.status == .proved)
    #expect(zacas.message.contains("induction"))
  }

  @Test func aDisableableZacasGivesAOneCallTrace() throws {
    let zacas = try #require(try prove("hazard-zacas-disableable").first { $0.name == "no-disable-path.ZACAS" })
    #expect(zacas.status == .violated)
    #expect(zacas.trace == ["KVM_SET_ONE_REG id=0x8030000007000035 (ISA_EXT SINGLE ZACAS = 53) value=0"])
  }

  @Test func aHoleLetsAnIdClearA() throws {
    let obligations = try prove("hazard-hole")
    #expect(status(obligations, "table.no-hole") == [.violated])
    let a = try #require(obligations.first { $0.name == "no-disable-path.A" })
    #expect(a.status == .violated)
    #expect(a.trace.count == 1)
    #expect(a.trace[0].contains("SINGLE ZICBOM = 11") && a.trace[0].hasSuffix("value=0"))
  }

  @Test func aliasingOntoZacasIsCaught() throws {
    let obligations = try prove("hazard-aliasing")
    #expect(status(obligations, "table.name-match") == [.warning])
    #expect(status(obligations, "table.one-id-per-host-bit") == [.warning])
    let zacas = try #require(obligations.first { $0.name == "no-disable-path.ZACAS" })
    #expect(zacas.status == .violated)
    #expect(zacas.trace.first?.contains("SINGLE SVPBMT") == true)
  }

  @Test func missingEntriesAreViolations() throws {
    let tail = try prove("hazard-missing-tail-entry")
    #expect(status(tail, "table.covers-max") == [.violated])
    let missing = try prove("hazard-zacas-missing-from-table")
    #expect(status(missing, "no-disable-path.ZACAS") == [.violated])
    #expect(status(missing, "table.covers-max") == [.violated])
  }

  @Test func olderTreesSayZacasIsAbsent() throws {
    #expect(status(try prove("era-6.4-vcpu"), "no-disable-path.ZACAS") == [.warning])
  }

  @Test func changesAfterRunNeedTheSettersGuard() throws {
    for era in ["era-6.4-vcpu", "era-2025-vcpu-onereg", "era-2026-isa"] {
      #expect(status(try prove(era), "frozen-after-run") == [.proved], "\(era)")
    }
    let unguarded = try #require(try prove("hazard-no-ran-guard").first { $0.name == "frozen-after-run" })
    #expect(unguarded.status == .violated)
    #expect(unguarded.trace.count == 2)
    #expect(unguarded.trace.first == "KVM_RUN")
    #expect(unguarded.trace.last?.hasPrefix("KVM_SET_ONE_REG") == true)
    let policy = try KernelReader.read(tree: Self.kernel.appendingPathComponent("era-2026-isa").path)
    #expect(policy.setterLocation?.file.hasSuffix("vcpu_onereg.c") == true)
    #expect(policy.runGuard == true)
  }

  /// A copy of a fixture tree with `edits` (text → replacement) applied to one of its files.
  func mangled(_ fixture: String, _ file: String, _ edits: [(String, String)]) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID())")
    try FileManager.default.copyItem(at: Self.kernel.appendingPathComponent(fixture), to: folder)
    let path = folder.appendingPathComponent(file)
    var text = try String(contentsOf: path, encoding: .utf8)
    for (old, new) in edits {
      let before = text
      text = text.replacingOccurrences(of: old, with: new)
      #expect(text != before, "'\(old)' is not in \(fixture)/\(file)")
    }
    try text.write(to: path, atomically: true, encoding: .utf8)
    return folder
  }

  func prove(tree: URL, keep: Bool = false) throws -> [Obligation] {
    defer { if !keep { try? FileManager.default.removeItem(at: tree) } }
    return try PolicyProver(policy: KernelReader.read(tree: tree.path)).run()
  }

  static let setterFiles = [
    "era-6.4-vcpu": "arch/riscv/kvm/vcpu.c", "era-2025-vcpu-onereg": "arch/riscv/kvm/vcpu_onereg.c",
    "era-2026-isa": "arch/riscv/kvm/vcpu_onereg.c", "era-mainline-isa": "arch/riscv/kvm/vcpu_onereg.c",
  ]
  static let disableCalls = [
    "era-6.4-vcpu": "!reg_val &&\n\t\t\t kvm_riscv_vcpu_isa_disable_allowed(reg_num)",
    "era-2025-vcpu-onereg": "!reg_val && kvm_riscv_vcpu_isa_disable_allowed(reg_num)",
    "era-2026-isa": "!reg_val && kvm_riscv_isa_disable_allowed(reg_num)",
    "era-mainline-isa": "!reg_val && kvm_riscv_isa_disable_allowed(reg_num)",
  ]

  /// The setter's body is what the proof runs: with its disable check gone, the never-disable
  /// extensions can be cleared in one call, in every era.
  @Test(arguments: ["era-6.4-vcpu", "era-2025-vcpu-onereg", "era-2026-isa", "era-mainline-isa"])
  func aSetterWithoutItsDisableCheckClearsAnything(era: String) throws {
    let disable = try #require(Self.disableCalls[era])
    let file = try #require(Self.setterFiles[era])
    for replacement in ["!reg_val", "1"] {
      let obligations = try prove(tree: try mangled(era, file, [(disable, replacement)]))
      let guarded = era == "era-6.4-vcpu" ? "no-disable-path.A" : "no-disable-path.ZACAS"
      let verdict = try #require(obligations.first { $0.name == guarded })
      #expect(verdict.status == .violated, "\(era) with '\(replacement)': \(verdict.message)")
      #expect(verdict.trace.count == 1 && verdict.trace[0].hasSuffix("value=0"))
    }
  }

  @Test(arguments: ["era-6.4-vcpu", "era-2025-vcpu-onereg"])
  func aSetterWithoutItsHostCheckEnablesWithoutTheHost(era: String) throws {
    let file = try #require(Self.setterFiles[era])
    let check = "if (!__riscv_isa_extension_available(NULL, host_isa_ext))"
    let obligations = try prove(tree: try mangled(era, file, [(check, "if (0)")]))
    #expect(status(obligations, "no-enable-without-host").allSatisfy { $0 == .violated })
    #expect(!status(obligations, "no-enable-without-host").isEmpty)
  }

  @Test func the2026HostCheckIsTheSettersToo() throws {
    let check = "if (__kvm_riscv_isa_check_host(reg_num, &host_isa_ext))\n\t\treturn -ENOENT;"
    let file = "arch/riscv/kvm/vcpu_onereg.c"
    // Called for the host bit alone, its answer dropped: bits the host lacks can be set.
    let dropped = try prove(
      tree: try mangled("era-2026-isa", file, [(check, "__kvm_riscv_isa_check_host(reg_num, &host_isa_ext);")]))
    #expect(status(dropped, "no-enable-without-host").contains(.violated))
    // Deleted: the host bit is never filled in, and nothing about the setter can be said.
    let deleted = try prove(tree: try mangled("era-2026-isa", file, [(check, "")]))
    #expect(status(deleted, "setter.read") == [.unknown])
    #expect(status(deleted, "no-enable-without-host") == [.unknown])
  }

  /// Mainline's setter: the host bit is `guest_ext`, and the host check's result is tested through
  /// `ret`. The reader follows values, not names: any local name proves, and a mutant of mainline's
  /// shape is violated, never unknown.
  @Test func mainlinesSetterIsReadByDataFlow() throws {
    let file = "arch/riscv/kvm/vcpu_onereg.c"
    let renamed = try prove(
      tree: try mangled(
        "era-mainline-isa", file,
        [
          ("guest_ext", "bit"), ("int ret;", "int err;"), ("ret = __kvm", "err = __kvm"), ("if (ret)", "if (err)"),
          ("return ret;", "return err;"),
        ]))
    #expect(status(renamed, "no-disable-path.ZACAS") == [.proved])
    #expect(!renamed.contains { $0.name.hasPrefix("setter.") })
    // The host check as a 2025 series first named it.
    let firstName = try prove(
      tree: try mangled(
        "era-mainline-isa", file, [("ret = __kvm_riscv_isa_check_host(", "ret = kvm_riscv_vcpu_isa_check_host(")]))
    #expect(status(firstName, "no-disable-path.ZACAS") == [.proved])
    #expect(!firstName.contains { $0.name.hasPrefix("setter.") })
    // Facts through locals: the allowed checks, the guest bit and the ran flag held in variables.
    let held = try prove(
      tree: try mangled(
        "era-mainline-isa", file,
        [
          (
            "\tif (reg_val == test_bit(guest_ext, vcpu->arch.isa))",
            "\tbool now = test_bit(guest_ext, vcpu->arch.isa);\n\tbool ran = vcpu->arch.ran_atleast_once;\n"
              + "\tbool off = kvm_riscv_isa_disable_allowed(reg_num);\n\tif (reg_val == now)"
          ),
          ("if (!vcpu->arch.ran_atleast_once)", "if (!ran)"),
          ("!reg_val && kvm_riscv_isa_disable_allowed(reg_num)", "!reg_val && off"),
        ]))
    #expect(status(held, "no-disable-path.ZACAS") == [.proved])
    #expect(status(held, "frozen-after-run") == [.proved])
    #expect(!held.contains { $0.name.hasPrefix("setter.") })
    // The same shapes with a check gone must fail, not fall to unknown.
    let noDisableCheck = try prove(
      tree: try mangled("era-mainline-isa", file, [("!reg_val && kvm_riscv_isa_disable_allowed(reg_num)", "!reg_val")]))
    #expect(status(noDisableCheck, "no-disable-path.ZACAS") == [.violated])
    let alias = try prove(
      tree: try mangled(
        "era-mainline-isa", "arch/riscv/kvm/isa.c",
        [("KVM_ISA_EXT_ARR(SVPBMT),", "[KVM_RISCV_ISA_EXT_SVPBMT] = RISCV_ISA_EXT_ZACAS,")]))
    let aliased = try #require(alias.first { $0.name == "no-disable-path.ZACAS" })
    #expect(aliased.status == .violated)
    #expect(aliased.trace.first?.contains("SVPBMT") == true)
  }

  /// What a variable holds is what was last stored in it: a host check whose result is overwritten
  /// before the test checks nothing, and a local that is not the host bit changes another bit.
  @Test func dataFlowFollowsTheLastStore() throws {
    let file = "arch/riscv/kvm/vcpu_onereg.c"
    let overwritten = try prove(
      tree: try mangled("era-mainline-isa", file, [("\tif (ret)\n", "\tret = 0;\n\tif (ret)\n")]))
    #expect(status(overwritten, "no-enable-without-host").contains(.violated))
    let otherBit = try prove(
      tree: try mangled("era-mainline-isa", file, [("clear_bit(guest_ext,", "clear_bit(reg_num,")]))
    let read = try #require(otherBit.first { $0.name == "setter.read" })
    #expect(read.status == .unknown && read.message.contains("a bit other than the id's host bit"))
    // A branch that may fill the host bit from elsewhere leaves it unknown after the join.
    let joined = try prove(
      tree: try mangled(
        "era-mainline-isa", file,
        [("\tif (reg_val == test_bit(", "\tif (vendor_quirk(vcpu))\n\t\tguest_ext = 0;\n\tif (reg_val == test_bit(")]))
    #expect(status(joined, "setter.read") == [.unknown])
  }

  @Test func anEmptySetterFileIsUnknownNotProved() throws {
    let tree = try mangled("era-2026-isa", "arch/riscv/kvm/vcpu_onereg.c", [])
    try Data().write(to: tree.appendingPathComponent("arch/riscv/kvm/vcpu_onereg.c"))
    let obligations = try prove(tree: tree)
    let read = try #require(obligations.first { $0.name == "setter.read" })
    #expect(read.status == .unknown)
    #expect(read.message.contains("no ISA_EXT setter"))
    for name in ["no-disable-path.ZACAS", "no-enable-without-host", "frozen-after-run"] {
      #expect(status(obligations, name) == [.unknown], "\(name)")
    }
    #expect(!obligations.contains { $0.name.hasPrefix("no-disable-path") && $0.status == .proved })
  }

  @Test func aSetterStatementNotReadIsLocatedAndUnknown() throws {
    let tree = try mangled(
      "era-2025-vcpu-onereg", "arch/riscv/kvm/vcpu_onereg.c",
      [("\tif (reg_val == test_bit(", "\tfor (;;)\n\t\tbreak;\n\tif (reg_val == test_bit(")])
    let obligations = try prove(tree: tree)
    let read = try #require(obligations.first { $0.name == "setter.read" })
    #expect(read.status == .unknown)
    #expect(read.location?.file.hasSuffix("vcpu_onereg.c") == true)
    #expect(read.location?.line == 154)
    #expect(read.message.contains("'for'"))
    #expect(status(obligations, "no-disable-path.ZACAS") == [.unknown])
  }

  /// Nesting a mangled file could make deep enough to exhaust the stack is refused where it starts.
  @Test func aDeeplyNestedSetterIsUnreadNotACrash() throws {
    for (old, new) in [
      ("\tif (reg_val == test_bit(", String(repeating: "{", count: 20_000) + "\tif (reg_val == test_bit("),
      ("\tif (reg_val == test_bit(", String(repeating: "if (reg_val) ", count: 20_000) + "\tif (reg_val == test_bit("),
      ("if (reg_val == test_bit(", "if (" + String(repeating: "!(", count: 20_000) + "reg_val == test_bit("),
    ] {
      let obligations = try prove(tree: try mangled("era-2026-isa", "arch/riscv/kvm/vcpu_onereg.c", [(old, new)]))
      let read = try #require(obligations.first { $0.name == "setter.read" })
      #expect(read.status == .unknown)
      #expect(read.message.contains("deeper than 64 levels"), "\(read.message)")
    }
  }

  /// An enumerator too large for a C int is a located error, not an overflow trap.
  @Test func anEnumValuePastAnIntIsLocated() throws {
    for value in ["9223372036854775807", "2147483647"] {
      let tree = try mangled(
        "era-2025-vcpu-onereg", "arch/riscv/include/uapi/asm/kvm.h",
        [("KVM_RISCV_ISA_EXT_A = 0,", "KVM_RISCV_ISA_EXT_A = \(value),")])
      defer { try? FileManager.default.removeItem(at: tree) }
      do {
        _ = try KernelReader.read(tree: tree.path)
        Issue.record("read a tree with A = \(value)")
      } catch {
        #expect(error.file.hasSuffix("kvm.h") && error.line > 1, "\(error)")
        #expect(error.message.contains("does not fit in a C int"), "\(error)")
      }
    }
  }

  /// The setter's decision diagram says what the kernel's body does, case by case.
  @Test func theSettersDecisionFollowsTheBody() throws {
    let policy = try KernelReader.read(tree: Self.kernel.appendingPathComponent("era-2025-vcpu-onereg").path)
    let setter = try #require(policy.setter.model)
    let decision = try #require(SetterDecision(setter))
    func after(bit: Bool, value: Bool, ran: Bool = false, host: Bool = true, enable: Bool, disable: Bool) -> Bool {
      func walk(_ node: SetterDecision.Node) -> Bool {
        switch node {
        case .leaf(let result): return result
        case .test(let variable, let low, let high):
          let values = [bit, value, ran, host, false, enable, disable]
          return walk(values[variable] ? high : low)
        }
      }
      return walk(decision.root)
    }
    #expect(after(bit: true, value: false, enable: true, disable: false))  // refused: stays set
    #expect(!after(bit: true, value: false, enable: true, disable: true))  // allowed: cleared
    #expect(after(bit: true, value: false, ran: true, enable: true, disable: true))  // -EBUSY
    #expect(after(bit: false, value: true, enable: true, disable: false))  // enabled
    #expect(!after(bit: false, value: true, host: false, enable: true, disable: false))  // -ENOENT
    #expect(!after(bit: false, value: true, enable: false, disable: true))  // refused
  }

  /// Spellings a real tree may use still read, and still prove: a speculation-safe index, and the
  /// host check without its leading underscores.
  @Test func equivalentSpellingsOfTheSetterStillProve() throws {
    let nospec = try prove(
      tree: try mangled(
        "era-2025-vcpu-onereg", "arch/riscv/kvm/vcpu_onereg.c",
        [
          (
            "host_isa_ext = kvm_isa_ext_arr[reg_num];",
            "host_isa_ext = kvm_isa_ext_arr[array_index_nospec(reg_num, ARRAY_SIZE(kvm_isa_ext_arr))];"
          )
        ]))
    #expect(status(nospec, "setter.read").isEmpty)
    #expect(status(nospec, "no-disable-path.ZACAS") == [.proved])
    let renamed = try prove(
      tree: try mangled(
        "era-2026-isa", "arch/riscv/kvm/vcpu_onereg.c",
        [("__kvm_riscv_isa_check_host(reg_num, &host_isa_ext)", "kvm_riscv_isa_check_host(reg_num, &host_isa_ext)")]))
    #expect(status(renamed, "no-disable-path.ZACAS") == [.proved])
    #expect(!renamed.contains { $0.name.hasPrefix("setter.") })
  }

  /// With more free conditions than the decision diagram tabulates, the body is stated as terms,
  /// and proves or fails the same way.
  @Test func aSetterTooWideToTabulateIsStatedAsTerms() throws {
    let file = "arch/riscv/kvm/vcpu_onereg.c"
    let quirks = (0..<8).map { "\tif (quirk\($0)(vcpu))\n\t\treturn -EPERM;\n" }.joined()
    let guarded = [("\tif (reg_val == test_bit(", quirks + "\tif (reg_val == test_bit(")]
    let tree = try mangled("era-2025-vcpu-onereg", file, guarded)
    let policy = try KernelReader.read(tree: tree.path)
    #expect(SetterDecision(try #require(policy.setter.model)) == nil)
    let wide = try prove(tree: tree)
    #expect(status(wide, "setter.conditions-read").count == 8)
    #expect(status(wide, "no-disable-path.ZACAS") == [.proved])
    let broken = try prove(
      tree: try mangled(
        "era-2025-vcpu-onereg", file,
        guarded + [("kvm_riscv_vcpu_isa_disable_allowed(reg_num))", "vendor_quirk(reg_num))")]))
    #expect(status(broken, "no-disable-path.ZACAS") == [.violated])
  }

  @Test func aConditionNotReadIsEitherWayAndReported() throws {
    let file = "arch/riscv/kvm/vcpu_onereg.c"
    // An early return on an unknown test cannot make a proof wrong: it still proves, with a warning.
    let early = try prove(
      tree: try mangled(
        "era-2025-vcpu-onereg", file,
        [("\tif (reg_val == test_bit(", "\tif (vendor_quirk(vcpu))\n\t\treturn -EPERM;\n\tif (reg_val == test_bit(")])
    )
    let warning = try #require(early.first { $0.name == "setter.conditions-read" })
    #expect(warning.status == .warning && warning.message.contains("vendor_quirk(vcpu)"))
    #expect(warning.location?.line == 154)
    #expect(status(early, "no-disable-path.ZACAS") == [.proved])
    // An unknown test in place of the disable check may be true: ZACAS can be cleared.
    let replaced = try prove(
      tree: try mangled(
        "era-2025-vcpu-onereg", file, [("kvm_riscv_vcpu_isa_disable_allowed(reg_num))", "vendor_quirk(reg_num))")]))
    #expect(status(replaced, "no-disable-path.ZACAS") == [.violated])
  }

  @Test func aHoleUnderAnExtensionNeverProvesIt() throws {
    let hole = try prove(
      tree: try mangled("era-2026-isa", "arch/riscv/kvm/isa.c", [("\tKVM_ISA_EXT_ARR(ZACAS, true),\n", "")]))
    let zacas = try #require(hole.first { $0.name == "no-disable-path.ZACAS" })
    #expect(zacas.status == .violated)
    #expect(zacas.message.contains("hole"))
    let tail = try prove(tree: Self.kernel.appendingPathComponent("hazard-zacas-missing-from-table"), keep: true)
    #expect(status(tail, "no-disable-path.ZACAS") == [.violated])
  }

  @Test func theMultiWarningPointsAtTheDroppedCall() throws {
    let warning = try #require(try prove("era-2025-vcpu-onereg").first { $0.name == "multi-dis-reports-success" })
    #expect(warning.location?.file.hasSuffix("vcpu_onereg.c") == true)
    #expect(warning.location?.line == 188)
    // A MULTI setter that checks each result, and v6.4 (no MULTI registers), draw no warning.
    let checked = try prove(
      tree: try mangled(
        "era-2025-vcpu-onereg", "arch/riscv/kvm/vcpu_onereg.c",
        [
          (
            "\t\triscv_vcpu_set_isa_ext_single(vcpu, ext_id, enable);",
            "\t\tret = riscv_vcpu_set_isa_ext_single(vcpu, ext_id, enable);\n\t\tif (ret)\n\t\t\treturn ret;"
          )
        ]))
    #expect(!checked.contains { $0.name == "multi-dis-reports-success" })
    #expect(!(try prove("era-6.4-vcpu")).contains { $0.name == "multi-dis-reports-success" })
  }

  @Test func baselineCatchesAMidEnumInsertion() throws {
    let old = try KernelReader.read(tree: Self.kernel.appendingPathComponent("era-2025-vcpu-onereg").path)
    let new = try KernelReader.read(tree: Self.kernel.appendingPathComponent("hazard-mid-enum-insertion").path)
    let verdict = BaselineCheck.compare(old: old, new: new)
    #expect(verdict.status == .violated)
    #expect(verdict.message.contains("ZACAS was 53"))
    #expect(BaselineCheck.compare(old: old, new: old).status == .proved)
    let newer = try KernelReader.read(tree: Self.kernel.appendingPathComponent("era-2026-isa").path)
    #expect(BaselineCheck.compare(old: old, new: newer).status == .proved)
  }

  @Test func malformedSourceIsLocated() {
    do {
      _ = try KernelReader.read(tree: Self.kernel.appendingPathComponent("hazard-malformed").path)
      Issue.record("malformed tree accepted")
    } catch {
      #expect(error.file.hasSuffix("vcpu_onereg.c"))
      #expect(error.line == 31 && error.column == 21)
      #expect(error.message.contains("expected ')'"))
    }
  }

  /// Truncated files, flipped bytes and unbalanced braces give an error or a verdict, never a crash.
  @Test func mangledInputsNeverCrash() throws {
    let tree = Self.kernel.appendingPathComponent("era-2025-vcpu-onereg")
    let header = try String(
      contentsOf: tree.appendingPathComponent("arch/riscv/include/uapi/asm/kvm.h"), encoding: .utf8)
    let source = try String(contentsOf: tree.appendingPathComponent("arch/riscv/kvm/vcpu_onereg.c"), encoding: .utf8)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mangled-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    var state: UInt64 = 17
    func next() -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 33)
    }
    var errors = 0
    var verdicts = 0
    for round in 0..<150 {
      var headerBytes = Array(header.utf8)
      var sourceBytes = Array(source.utf8)
      switch round % 3 {
      case 0: sourceBytes = Array(sourceBytes.prefix(next() % sourceBytes.count))
      case 1:
        // Printable bytes, so some changes land in comments or names and still parse; others do not.
        for _ in 0..<3 { sourceBytes[next() % sourceBytes.count] = UInt8(0x20 + next() % 95) }
        if round % 2 == 0 { headerBytes[next() % headerBytes.count] = UInt8(next() % 256) }
      default:
        let braces: [UInt8] = Array("{}()[];,".utf8)
        for _ in 0..<2 { sourceBytes.insert(braces[next() % braces.count], at: next() % sourceBytes.count) }
      }
      let headerFile = folder.appendingPathComponent("kvm\(round).h")
      let sourceFile = folder.appendingPathComponent("vcpu_onereg\(round).c")
      try Data(headerBytes).write(to: headerFile)
      try Data(sourceBytes).write(to: sourceFile)
      do {
        let policy = try KernelReader.read(header: headerFile.path, policy: sourceFile.path)
        _ = PolicyProver(policy: policy).run()
        verdicts += 1
      } catch {
        #expect(error.line >= 1 && error.column >= 1)
        errors += 1
      }
    }
    // Every round ended in a located error or a verdict: none crashed.
    #expect(errors + verdicts == 150)
    #expect(errors > 50, "errors \(errors), verdicts \(verdicts)")
  }
}
