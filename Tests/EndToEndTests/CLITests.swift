import DiffCheck
import Foundation
import SpecModel
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

  /// The fuzz bench prints the loop's ratio, how preparation's guesses and plans fare, and the
  /// loop with no reruns, which meets fewer targets.
  @Test func fuzzBenchPrintsTheRerunFigures() throws {
    let result = try BinaryRunner.run(["bench", "--only", "fuzz", "--programs", "300"])
    #expect(result.status == 0, "\(result.error)")
    func numbers(after label: String) throws -> [Double] {
      let line = try #require(result.output.split(separator: "\n").first { $0.hasPrefix(label) }, "\(label)")
      return line.dropFirst(label.count).split(whereSeparator: { " :(),%".contains($0) }).compactMap { Double($0) }
    }
    let missed = try #require(try numbers(after: "guesses missed").first)
    #expect(missed > 0 && missed < 100)
    // Plans outnumber the patches made of them: some fail, and a guess's target missed again is
    // planned for again.
    let plans = try numbers(after: "plans")
    #expect(plans.count == 2 && plans[0] > plans[1] && plans[1] > 0, "\(plans)")
    let lean = try numbers(after: "without reruns")
    #expect(lean.count == 3, "\(lean)")
    if lean.count == 3 { #expect(lean[0] > 0 && lean[1] < lean[2], "\(lean)") }
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

@Suite struct FuzzCLITests {
  @Test func theSameSeedPrintsTheSameReport() throws {
    let arguments = ["--seed", "42", "--count", "4", "--length", "10"]
    let first = try BinaryRunner.run(arguments)
    let second = try BinaryRunner.run(arguments)
    #expect(first.status == 0, "\(first.output)\(first.error)")
    #expect(first.output == second.output)
    #expect(first.output.contains("verdict: conforming"))
    let other = try BinaryRunner.run(["--seed", "43", "--count", "4", "--length", "10"])
    #expect(other.output != first.output)
  }

  @Test func twoWorkersPrintWhatOneWorkerPrints() throws {
    for extra in [[], ["--mutant", "swap-stored-on-failure"]] {
      let base = ["--seed", "5", "--count", "6", "--length", "12"] + extra
      let one = try BinaryRunner.run(base + ["--jobs", "1"])
      let two = try BinaryRunner.run(base + ["--jobs", "2"])
      #expect(one.status == two.status)
      #expect(one.output == two.output, "\(extra)")
    }
  }

  @Test func jsonSummaryFollowsItsSchema() throws {
    let result = try BinaryRunner.run(["--seed", "3", "--count", "2", "--length", "8", "--format", "json"])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    #expect(object["schema"] as? String == "rvcheck.fuzz-summary")
    #expect(object["schemaVersion"] as? Int == 1)
    #expect(object["seed"] as? Int == 3)
    #expect((object["coverage"] as? [[String: Any]])?.isEmpty == false)
    #expect(object["violations"] as? Int == 0)
  }

  @Test func aMutantIsReportedAsAViolation() throws {
    let result = try BinaryRunner.run([
      "--seed", "1", "--count", "20", "--length", "16", "--mutant", "swap-stored-on-failure",
    ])
    #expect(result.status == 1)
    #expect(result.output.contains("VIOLATION"))
    #expect(result.output.contains("zacas.failure-keeps-memory"))
  }

  /// A folder of known deviations turns the findings they explain into known ones: listed and
  /// counted, exit 0; `--strict` fails on them; a malformed entry is an input error with its line.
  @Test func knownDeviationsAreCountedAndStrictFailsOnThem() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-known-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let entry = """
      known emulator builtin+amocas-x0-clobbers-zero
      known probe split-block-after-amocas-x0
      known command rvcheck replay x0.rvt
      known diagnosis x0 keeps an amocas result until the block ends
      isa rv64ima_zacas_zabha
      reg a5 0x80010180
      mem 0x80010180 0x1234567887654321
      program
        amocas.w zero, s9, (a5)
        addi a1, zero, 5
      end
      expect violation rv.alu-result
      """
    try entry.write(to: folder.appendingPathComponent("x0.rvt"), atomically: true, encoding: .utf8)
    let arguments = [
      "fuzz", "--seed", "1", "--count", "100", "--length", "16", "--mutant", "amocas-x0-clobbers-zero",
      "--known", folder.path,
    ]
    let lenient = try BinaryRunner.run(arguments)
    #expect(lenient.status == 0, "\(lenient.output)\(lenient.error)")
    #expect(lenient.output.contains("known deviations   "), "\(lenient.output)")
    #expect(lenient.output.contains("x0: "))
    let strict = try BinaryRunner.run(arguments + ["--strict"])
    #expect(strict.status == 1)
    let unlisted = try BinaryRunner.run(Array(arguments.dropLast(2)) + ["--known", "/nonexistent-folder"])
    #expect(unlisted.status == 2)
    try (entry.replacingOccurrences(of: "known probe", with: "known prob")).write(
      to: folder.appendingPathComponent("x0.rvt"), atomically: true, encoding: .utf8)
    let malformed = try BinaryRunner.run(arguments)
    #expect(malformed.status == 2)
    #expect(malformed.error.contains("x0.rvt:2: error: unknown field 'known prob'"), "\(malformed.error)")
  }

  /// `--emulator` takes a list for fuzz: a column per emulator; a name twice or unknown is a usage
  /// error; commands that run one emulator refuse a list.
  @Test func severalEmulatorsInOneRun() throws {
    let result = try BinaryRunner.run([
      "fuzz", "--seed", "2", "--count", "12", "--length", "8", "--emulator", "builtin,builtin", "--format", "json",
    ])
    #expect(result.status == 2)
    #expect(result.error.contains("twice"), "\(result.error)")
    let unknown = try BinaryRunner.run(["fuzz", "--count", "2", "--emulator", "builtin,bochs"])
    #expect(unknown.status == 2 && unknown.error.contains("unknown emulator 'bochs'"))
    let replay = try BinaryRunner.run(["replay", "--emulator", "builtin,spike", "corpus/regressions"])
    #expect(replay.status == 2 && replay.error.contains("runs one emulator"), "\(replay.error)")
  }

  /// `qemu@RELEASE` names a folder of .tools/qemu: only QEMU takes one, it must look like a folder
  /// name, and a release not installed is named with what is.
  @Test func aQemuReleaseIsValidated() throws {
    for (emulator, message) in [
      ("spike@1.1", "only qemu takes a release"), ("qemu@", "a release is a folder"),
      ("qemu@../x", "a release is a folder"), ("qemu@..", "a release is a folder"),
      ("qemu@1 2", "a release is a folder"),
      ("qemu@10.0.13,qemu@10.0.13", "twice"),
    ] {
      let result = try BinaryRunner.run(["fuzz", "--count", "2", "--emulator", emulator])
      #expect(result.status == 2 && result.error.contains(message), "\(emulator): \(result.error)")
    }
    let missing = try BinaryRunner.run(["replay", "--emulator", "qemu@0.0.1", "corpus/regressions"])
    #expect(missing.status == 2 && missing.error.contains("QEMU '0.0.1' is not installed"), "\(missing.error)")
  }

  /// `--cross-check 1` puts every program to the relation too, and says how many it audited.
  @Test func crossCheckAuditsEveryProgram() throws {
    let result = try BinaryRunner.run(["--seed", "9", "--count", "6", "--length", "10", "--cross-check", "1"])
    #expect(result.status == 0, "\(result.output)\(result.error)")
    #expect(result.output.contains("cross-checked      6 (every 1)"))
    #expect(!result.output.contains("disagreements"))
    let json = try BinaryRunner.run([
      "--seed", "9", "--count", "6", "--length", "10", "--cross-check", "2", "--format", "json",
    ])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
    #expect(object["crossChecked"] as? Int == 3)
    #expect((object["disagreements"] as? [String])?.isEmpty == true)
  }

  /// A state file that cannot be written is refused before any program runs.
  @Test func anUnwritableStateIsRefusedFirst() throws {
    for path in ["/nonexistent-\(UUID())/state.json", FileManager.default.temporaryDirectory.path] {
      let result = try BinaryRunner.run(["--seed", "1", "--count", "3", "--length", "6", "--state", path])
      #expect(result.status == 2, "\(path): \(result.output)")
      #expect(result.error.contains("cannot save the campaign state"), "\(result.error)")
      #expect(!result.output.contains("programs checked"))
    }
  }

  /// A second run on a state file in use is refused before any work; shards of one findings folder
  /// get a state file each, so they do not contend.
  @Test func aStateInUseIsRefused() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-lock-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let state = folder.appendingPathComponent("campaign-state.json").path
    var held: StateLock? = try StateLock(state: state)
    let refused = try BinaryRunner.run(["--seed", "1", "--count", "4", "--findings", folder.path])
    #expect(refused.status == 2)
    #expect(refused.error.contains("\(state): in use by another rvcheck run (process \(getpid()))"))
    let shard = try BinaryRunner.run(["--seed", "1", "--count", "4", "--findings", folder.path, "--shard", "1/2"])
    #expect(shard.status == 0, "\(shard.error)")
    #expect(
      FileManager.default.fileExists(atPath: folder.appendingPathComponent("campaign-state-shard-1-of-2.json").path))
    #expect(held != nil)
    held = nil
    let free = try BinaryRunner.run(["--seed", "1", "--count", "4", "--findings", folder.path])
    #expect(free.status == 0, "\(free.error)")
  }

  /// A report path that is a folder, or in a missing folder, is an error naming it: fuzz refuses
  /// it before any work, policy when it writes.
  @Test func reportPathsThatCannotBeWrittenAreNamed() throws {
    let folder = FileManager.default.temporaryDirectory.path
    for option in ["--sarif", "--junit", "--report-json"] {
      for path in [folder, "/nonexistent-\(UUID())/out.xml"] {
        let result = try BinaryRunner.run(["--seed", "1", "--count", "2", option, path])
        #expect(result.status == 2, "\(option) \(path)")
        #expect(result.error.contains("\(option) \(path)"), "\(result.error)")
        #expect(!result.output.contains("programs checked"))
      }
    }
    let tree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("corpus/kernel/era-2025-vcpu-onereg").path
    for option in ["--sarif", "--ktap"] {
      let result = try BinaryRunner.run(["policy", tree, option, folder])
      #expect(result.status == 2)
      #expect(result.error.contains("\(folder): cannot write: is a directory"), "\(result.error)")
      #expect(!result.error.contains("NSCocoaErrorDomain"))
    }
  }

  /// One-character file names (which Foundation's path helpers trap on) are ordinary names.
  @Test func oneCharacterPathsAreOrdinary() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-short-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let tree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("corpus/kernel/era-2025-vcpu-onereg/arch/riscv")
    try FileManager.default.copyItem(
      at: tree.appendingPathComponent("include/uapi/asm/kvm.h"), to: folder.appendingPathComponent("h"))
    try FileManager.default.copyItem(
      at: tree.appendingPathComponent("kvm/vcpu_onereg.c"), to: folder.appendingPathComponent("c"))
    let policy = try BinaryRunner.run(["policy", "--header", "h", "--source", "c"], in: folder)
    #expect(policy.status == 0, "\(policy.error)")
    let missing = try BinaryRunner.run(["policy", "--header", "0", "--source", "1"], in: folder)
    #expect(missing.status == 2 && missing.error.hasPrefix("0:1:1: error: cannot read the file"), "\(missing.error)")
    let fuzz = try BinaryRunner.run(["--seed", "1", "--count", "2", "--sarif", "0"], in: folder)
    #expect(fuzz.status == 0, "\(fuzz.error)")
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("0").path))
    #expect(
      SourceText.folder(of: "0") == "." && SourceText.folder(of: "/0") == "/" && SourceText.folder(of: "a/b") == "a")
  }

  /// Programs past the spec's bounds end in unknown, never in a verdict or a hang: 300
  /// straight-line instructions (past 256 steps), and amocas chained through the addresses they
  /// load (each write at an address the relation cannot fold; 250 of them took minutes).
  @Test func programsPastTheBoundsAreUnknownAndQuick() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-long-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let long = folder.appendingPathComponent("long.rvt")
    let body = Array(repeating: "  addi a0, a0, 1", count: 300).joined(separator: "\n")
    try "isa rv64ima\nprogram\n\(body)\nend\nexpect reg a0 0x12c\n".write(to: long, atomically: true, encoding: .utf8)
    let straight = try BinaryRunner.run(["replay", long.path])
    #expect(straight.status == 3, "\(straight.output)")
    #expect(straight.output.contains("up to 256 instructions"), "\(straight.output)")
    let chained = folder.appendingPathComponent("chained.rvt")
    let chain = Array(repeating: "  amocas.d a0, a1, (a0)", count: 250).joined(separator: "\n")
    try
      "isa rv64ima_zacas\nreg a0 0x80010000\nmem 0x80010000 0x80010000\nprogram\n\(chain)\nend\nreject reg a1 0x5 rv.x0-is-zero\n"
      .write(to: chained, atomically: true, encoding: .utf8)
    let result = try BinaryRunner.run(["replay", chained.path])
    #expect(result.output.contains("a path was cut short"), "\(result.output)")
  }

  @Test func badInputExitsWithTwo() throws {
    for arguments in [
      ["--seed", "-1"], ["--isa", "rv64im_zacas"], ["--mutant", "nope"], ["--profile", "fast"], ["--count", "0"],
      ["--cross-check", "0"], ["--start", "9223372036854775807", "--count", "1"],
      ["--xlen", "32", "--isa", "rv64ima_zacas"], ["--weights", "amocas=0,alu=0,load=0,store=0,lrsc=0,amo=0,amobh=0"],
    ] {
      let result = try BinaryRunner.run(arguments)
      #expect(result.status == 2, "\(arguments)")
      #expect(result.error.contains("Error"), "\(arguments): \(result.error)")
    }
  }

  /// A negative number is read as a number and refused for what it is, not as a missing value.
  @Test(arguments: [
    (["--count", "-1"], "--count must be positive"), (["--start", "-5"], "--start must not be negative"),
    (["--length", "-2"], "--length must be"), (["--seed", "-1"], "seed '-1' is not"),
  ])
  func negativeNumbersAreNamed(arguments: [String], message: String) throws {
    let result = try BinaryRunner.run(arguments)
    #expect(result.status == 2)
    #expect(result.error.contains(message), "\(result.error)")
  }

  /// A huge mangled argument is quoted clipped, with its length, not echoed whole.
  @Test func longTokensAreCutInErrors() throws {
    let huge = String(repeating: "z", count: 100_000)
    for arguments in [["--isa", "rv64i_" + huge], ["--seed", huge], ["--mutant", huge], ["--emulator", huge]] {
      let result = try BinaryRunner.run(arguments)
      #expect(result.status == 2)
      #expect(result.error.utf8.count < 2_000, "\(arguments[0]): \(result.error.utf8.count) bytes")
      #expect(result.error.contains("characters)"), "\(arguments[0])")
    }
  }

  @Test func benchRefusesWhatWouldMeasureNothing() throws {
    for arguments in [
      ["bench", "--only", ""], ["bench", "--only", "policy", "--fixtures", "/nonexistent"],
      ["bench", "--only", "litmus", "--litmus", "/nonexistent"], ["bench", "--only", "fuzz,"],
    ] {
      let result = try BinaryRunner.run(arguments)
      #expect(result.status == 2, "\(arguments): \(result.output)\(result.error)")
    }
  }

  @Test func replayOfAFolderWithoutCasesIsAnError() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try "not a case".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try BinaryRunner.run(["replay", folder.path])
    #expect(result.status == 2)
    #expect(result.error.contains(folder.path) && result.error.contains("no .rvt cases"))
  }

  /// Inputs that would otherwise pass silently or fail with a system error: each is an input error
  /// that names the file and line (and column, for a bad byte).
  @Test(arguments: [
    ("isa rv64ima\nprogram\n  addi a0, a0, 1 # caf\u{FF}\nend\n", ":3:23: error: invalid UTF-8 byte 0xFF"),
    ("isa rv64ima\nisa rv32ima\nprogram\nend\n", ":2: error: 'isa' is already given on line 1"),
    ("isa rv64ima\nreg a0 1\nreg x10 2\nprogram\nend\n", ":3: error: 'reg a0' is already given on line 2"),
    (
      "isa rv64ima\nprogram\n  addi a0, a0, 1\nend\nexpect violation zacas.succes-iff-equal rv.alu-result\n",
      ":5: error: unknown rule 'zacas.succes-iff-equal'"
    ),
    ("isa rv64ima\nprogram\nend\nexpect conforms\nexpect violation rv.alu-result\n", ":5: error: a second"),
    ("isa rv64ima\nprogram\nend\nexpect mem -1 0x7f\n", ":4: error: memory word at -1 runs past the end"),
    (
      "isa rv64ima\nprogram\nend\nreject trap 2 0x0 -9223372036854775808 rv.alu-result\n",
      ":4: error: trap index -9223372036854775808 is not an instruction"
    ),
  ])
  func replayRefusesMangledCases(text: String, message: String) throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("mangled-\(UUID()).rvt")
    // The bad byte is written as itself, not as the UTF-8 of U+00FF.
    let bytes = text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
    try Data(bytes).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let result = try BinaryRunner.run(["replay", file.path])
    #expect(result.status == 2, "\(result.output)")
    #expect(result.error.contains(file.path + message), "\(result.error)")
  }

  /// A FIFO is refused at once (reading it would block), and `help` of no command is a usage error.
  @Test func specialFilesAndUnknownHelp() throws {
    let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("fifo-\(UUID()).rvt")
    #expect(mkfifo(fifo.path, 0o600) == 0)
    defer { try? FileManager.default.removeItem(at: fifo) }
    let result = try BinaryRunner.run(["replay", fifo.path])
    #expect(result.status == 2)
    #expect(result.error.contains("\(fifo.path):1:1: error: cannot read the file: it is not a regular file"))
    let help = try BinaryRunner.run(["help", "foo"])
    #expect(help.status == 2 && help.error.contains("no command 'foo'"))
    #expect(try BinaryRunner.run(["help", "replay"]).status == 0)
  }

  @Test func replayReportsFileAndLine() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID()).rvt")
    try "isa rv64ima_zacas\nreg a0 zero\nprogram\nend\n".write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    let result = try BinaryRunner.run(["replay", file.path])
    #expect(result.status == 2)
    #expect(result.error.contains("\(file.path):2: error:"))
  }
}

@Suite struct PolicyCLITests {
  static let kernel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("corpus/kernel")

  /// `--ext` keeps the focus but says how many violations of other extensions it hid, and
  /// `--fail-on all` fails on them; names never run into the status column.
  @Test func aFocusCountsWhatItHides() throws {
    let tree = Self.kernel.appendingPathComponent("hazard-zacas-disableable").path
    let focused = try BinaryRunner.run(["policy", tree, "--ext", "ZBB"])
    #expect(focused.status == 0)
    #expect(focused.error.contains("--ext ZBB hid 1 violation(s) of other extensions: no-disable-path.ZACAS"))
    #expect(!focused.output.contains("no-disable-path.ZACAS"))
    let all = try BinaryRunner.run(["policy", tree, "--ext", "ZBB", "--fail-on", "all"])
    #expect(all.status == 1)
    let plain = try BinaryRunner.run(["policy", tree, "--ext", "ZACAS"])
    #expect(plain.status == 1 && !plain.error.contains("hid"))
    for line in try BinaryRunner.run(["policy", tree]).output.split(separator: "\n")
    where line.hasPrefix("switch.") {
      #expect(line.contains(" proved ") || line.contains(" violated "), "\(line)")
    }
  }

  /// With `--format json` an input error is a JSON error object too.
  @Test func jsonInputErrorsAreJSON() throws {
    let result = try BinaryRunner.run(["policy", "/nonexistent-tree", "--format", "json"])
    #expect(result.status == 2)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    let error = try #require(object["error"] as? [String: Any])
    #expect((error["file"] as? String)?.hasPrefix("/nonexistent-tree") == true)
    #expect(error["line"] as? Int == 1)
    #expect(object["schema"] as? String == "rvcheck.policy")
  }

  /// A kernel source with a byte that is not UTF-8 is an input error at that byte.
  @Test func aBadByteInAKernelSourceIsLocated() throws {
    let tree = FileManager.default.temporaryDirectory.appendingPathComponent("tree-\(UUID())")
    try FileManager.default.copyItem(at: Self.kernel.appendingPathComponent("era-2026-isa"), to: tree)
    defer { try? FileManager.default.removeItem(at: tree) }
    let files = (FileManager.default.enumerator(atPath: tree.path)?.allObjects as? [String] ?? []).filter {
      $0.hasSuffix(".c")
    }
    let source = tree.appendingPathComponent(try #require(files.first))
    var bytes = [UInt8](try Data(contentsOf: source))
    let lines = bytes.filter { $0 == 0x0A }.count
    bytes += Array("/* caf".utf8) + [0xFF] + Array(" */\n".utf8)
    try Data(bytes).write(to: source)
    let result = try BinaryRunner.run(["policy", tree.path])
    #expect(result.status == 2)
    #expect(
      result.error.contains("\(source.path):\(lines + 1):7: error: invalid UTF-8 byte 0xFF"), "\(result.error)")
  }

  @Test func exitStatusesFollowTheVerdict() throws {
    let good = try BinaryRunner.run(["policy", Self.kernel.appendingPathComponent("era-2026-isa").path])
    #expect(good.status == 0, "\(good.output)")
    #expect(good.output.contains("no-disable-path.ZACAS"))
    let bad = try BinaryRunner.run(["policy", Self.kernel.appendingPathComponent("hazard-zacas-disableable").path])
    #expect(bad.status == 1)
    #expect(bad.output.contains("error: ZACAS (host bit ZACAS) can be cleared"))
    #expect(bad.output.contains("1. KVM_SET_ONE_REG id=0x8030000007000035"))
    let broken = try BinaryRunner.run(["policy", Self.kernel.appendingPathComponent("hazard-malformed").path])
    #expect(broken.status == 2)
    #expect(broken.error.contains("vcpu_onereg.c:31:21: error:"))
  }

  @Test func baselineAndJSON() throws {
    let result = try BinaryRunner.run([
      "policy", Self.kernel.appendingPathComponent("hazard-mid-enum-insertion").path, "--baseline",
      Self.kernel.appendingPathComponent("era-2025-vcpu-onereg").path, "--format", "json", "--ext", "ZACAS",
    ])
    #expect(result.status == 1)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    let rows = try #require(object["obligations"] as? [[String: Any]])
    #expect(rows.contains { $0["name"] as? String == "baseline.enum-prefix" && $0["status"] as? String == "violated" })
    #expect(!rows.contains { ($0["name"] as? String)?.hasPrefix("no-disable-path.A") == true })
  }

  @Test func anUnknownExtensionIsAnError() throws {
    let result = try BinaryRunner.run([
      "policy", Self.kernel.appendingPathComponent("era-2025-vcpu-onereg").path, "--ext", "FOO",
    ])
    #expect(result.status == 2)
    #expect(result.error.contains("no extension FOO"))
  }
}

@Suite struct PolicyOutputTests {
  static let kernel = PolicyCLITests.kernel

  @Test func mirrorsLackingAnIdAreWarnings() throws {
    let mirrors = Self.kernel.appendingPathComponent("mirrors")
    let result = try BinaryRunner.run([
      "policy", Self.kernel.appendingPathComponent("era-2025-vcpu-onereg").path,
      "--mirror", "selftest=\(mirrors.appendingPathComponent("get-reg-list.c").path)",
      "--mirror", "qemu=\(mirrors.appendingPathComponent("kvm-cpu.c").path)",
      "--mirror", "kvmtool=\(mirrors.appendingPathComponent("fdt.c").path)",
    ])
    #expect(result.status == 0)
    #expect(result.output.contains("warning: qemu mirror"))
    #expect(result.output.contains("lacks ZACAS"))
    #expect(!result.output.contains("selftest mirror"))
    let badKind = try BinaryRunner.run(["policy", Self.kernel.path, "--mirror", "frob=x.c"])
    #expect(badKind.status == 2)
  }

  /// The SARIF 2.1.0 shape code scanners read: version, runs, tool.driver.name, and results with
  /// ruleId, level, message.text and a physical location.
  @Test func sarifHasTheRequiredStructure() throws {
    let result = try BinaryRunner.run([
      "policy", Self.kernel.appendingPathComponent("hazard-hole").path, "--format", "sarif",
    ])
    #expect(result.status == 1)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    #expect(object["version"] as? String == "2.1.0")
    let runs = try #require(object["runs"] as? [[String: Any]])
    #expect(runs.count == 1)
    let driver = try #require((runs[0]["tool"] as? [String: Any])?["driver"] as? [String: Any])
    #expect(driver["name"] as? String == "rvcheck")
    let ruleIDs = Set(((driver["rules"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
    let results = try #require(runs[0]["results"] as? [[String: Any]])
    #expect(!results.isEmpty)
    for item in results {
      let rule = try #require(item["ruleId"] as? String)
      #expect(ruleIDs.contains(rule))
      #expect(["error", "warning", "note"].contains(item["level"] as? String ?? ""))
      #expect(((item["message"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
      if let locations = item["locations"] as? [[String: Any]] {
        let physical = try #require(locations.first?["physicalLocation"] as? [String: Any])
        #expect((physical["artifactLocation"] as? [String: Any])?["uri"] is String)
        #expect(((physical["region"] as? [String: Any])?["startLine"] as? Int ?? 0) >= 1)
      }
    }
    #expect(results.contains { $0["ruleId"] as? String == "no-disable-path.A" && $0["level"] as? String == "error" })
  }

  @Test func ktapCountsEveryObligation() throws {
    let result = try BinaryRunner.run([
      "policy", Self.kernel.appendingPathComponent("hazard-zacas-disableable").path, "--format", "ktap",
    ])
    let lines = result.output.split(separator: "\n").map(String.init)
    #expect(lines.first == "KTAP version 1")
    let plan = try #require(lines.dropFirst().first)
    let count = try #require(Int(plan.dropFirst(3)))
    let tests = lines.filter { $0.hasPrefix("ok ") || $0.hasPrefix("not ok ") }
    #expect(tests.count == count)
    #expect(tests.contains { $0.hasPrefix("not ok ") && $0.hasSuffix("no-disable-path.ZACAS") })
    #expect(
      lines.allSatisfy {
        $0.hasPrefix("ok ") || $0.hasPrefix("not ok ") || $0.hasPrefix("#") || $0 == lines[0] || $0 == plan
      })
  }
}

/// Triage on the command line: the verdict and exit status do not change, the JSON lists every
/// violating program, and --explain-all explains each one.
@Suite struct TriageCLITests {
  func fuzz(_ extra: [String]) throws -> (status: Int32, json: [String: Any]) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("triage-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try BinaryRunner.run(
      [
        "fuzz", "--seed", "1", "--count", "120", "--length", "16", "--jobs", "1", "--mutant", "w-not-sign-extended",
        "--no-shrink", "--quiet", "--format", "json", "--state", folder.appendingPathComponent("s.json").path,
      ] + extra)
    let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] ?? [:]
    return (result.status, json)
  }

  @Test func repeatsAreListedAndExplainAllExplainsThem() throws {
    let triaged = try fuzz([])
    let everyOne = try fuzz(["--explain-all"])
    #expect(triaged.status == 1 && everyOne.status == 1)
    let repeats = triaged.json["repeats"] as? [[String: Any]] ?? []
    #expect(!repeats.isEmpty && triaged.json["repeatedViolations"] as? Int == repeats.count)
    #expect(everyOne.json["repeatedViolations"] as? Int == 0)
    let violating = Set(
      (triaged.json["findings"] as? [[String: Any]] ?? []).compactMap { $0["program"] as? Int }
        + repeats.compactMap { $0["program"] as? Int })
    let explained = Set((everyOne.json["findings"] as? [[String: Any]] ?? []).compactMap { $0["program"] as? Int })
    #expect(violating == explained && !explained.isEmpty)
  }
}
