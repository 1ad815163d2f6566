import Foundation

/// Which lock the combined lock runs on a boot path, read from the tree: the port's `spinlock.h`
/// tests a static key (`static_branch_unlikely(&key)`) to take the queued lock, and the boot
/// code that disables that key (`static_branch_disable(&key)`, in `arch/riscv/kernel`) is run on
/// the path's extensions and configuration. The queued lock is taken where it leaves the key set.
///
/// The function is expanded by the preprocessor with the configuration of a kernel built for the
/// combined lock. What it calls is answered by stubs: `IS_ENABLED()` by the configuration,
/// `riscv_isa_extension_available()` by the boot path's extensions (a path has no Ziccrse),
/// `pr_*()` prints nothing, and the key's `static_branch_disable()` is what is looked for.
struct BootLockChoice: Sendable {
  /// The function's text, its file, and the line it starts on.
  let source: String
  let file: String
  let line: Int

  /// The boot function that disables the key `spinlock` (the port's `spinlock.h` text) tests, if
  /// the tree has one.
  init?(root: String, spinlock: String) {
    guard let key = Self.key(in: spinlock) else { return nil }
    let kernel = (root as NSString).appendingPathComponent("arch/riscv/kernel")
    let files = ((try? FileManager.default.contentsOfDirectory(atPath: kernel)) ?? []).filter { $0.hasSuffix(".c") }
    for name in files.sorted() {
      let path = (kernel as NSString).appendingPathComponent(name)
      guard let text = try? String(contentsOfFile: path, encoding: .utf8),
        text.contains("static_branch_disable(&\(key))"),
        let (source, line) = Self.function(in: text, calling: "static_branch_disable", on: key)
      else { continue }
      self.source = source
      file = path
      self.line = line
      return
    }
    return nil
  }

  /// The key the port's `spinlock.h` tests to take the queued lock.
  static func key(in spinlock: String) -> String? {
    guard let range = spinlock.range(of: "static_branch_unlikely(&") else { return nil }
    let name = spinlock[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
    return name.isEmpty ? nil : String(name)
  }

  /// The text of the function definition in `text` whose body calls `function(&key)`, and the line
  /// its head starts on.
  static func function(in text: String, calling function: String, on key: String) -> (String, Int)? {
    guard let tokens = try? CTokenizer.tokenize(text, file: "") else { return nil }
    var depth = 0
    var headStart = 0
    var bodyStart: Int?
    for (index, token) in tokens.enumerated() where token.kind != .preprocessor {
      switch token.text {
      case "{":
        if depth == 0 { bodyStart = index }
        depth += 1
      case "}":
        depth -= 1
        guard depth == 0, let start = bodyStart else { continue }
        let body = tokens[start...index]
        let calls = body.indices.dropLast(3).contains { at in
          body[at].text == function && body[at + 1].text == "(" && body[at + 2].text == "&" && body[at + 3].text == key
        }
        if calls {
          let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
          // The head's first token, past the preprocessor lines between definitions.
          guard let head = tokens[headStart...].first(where: { $0.kind != .preprocessor }) else { return nil }
          let first = head.line
          return (lines[(first - 1)..<token.line].joined(separator: "\n") + "\n", first)
        }
        headStart = index + 1
        bodyStart = nil
      case ";" where depth == 0:
        headStart = index + 1
      default: break
      }
    }
    return nil
  }

  /// What the stubs answer for the boot function's calls.
  static let stubLines = """
    #include <linux/kconfig.h>
    #include <linux/types.h>
    #define __init
    #define pr_info(...) ((void)0)
    #define pr_warn(...) ((void)0)
    #define pr_err(...) ((void)0)
    #define riscv_isa_extension_available(isa, ext) __rvcheck_has(ext)
    #define static_branch_disable(key) __rvcheck_key_disabled()
    #define static_branch_enable(key) __rvcheck_key_enabled()

    """

  /// Whether the boot on `path` leaves the key set: the queued lock. Unknown where the function
  /// cannot be followed.
  func takesQueued(
    on path: AtomicsBootPath, xlen: Int, preprocessor: KernelPreprocessor
  ) throws(AtomicsUnknown) -> Bool {
    let here = SourceLocation(file: file, line: line, column: 1)
    var defines = [
      "__riscv_xlen": "\(xlen)", "__KERNEL__": "1", "CONFIG_SMP": "1", "CONFIG_RISCV_COMBO_SPINLOCKS": "1",
      "CONFIG_QUEUED_SPINLOCKS": "1",
    ]
    for option in path.configured { defines[option] = "1" }
    let expansion: KernelPreprocessor.Expansion
    do {
      expansion = try preprocessor.expand(
        Self.stubLines + "#line \(line) \"\(file)\"\n" + source, unit: "rvcheck-boot.c", includes: [],
        stubs: AtomicsStubs.headers, defines: defines)
    } catch {
      throw AtomicsUnknown(location: here, reason: "the boot's lock choice: \(error.message)")
    }
    let tokens: [CToken]
    do {
      tokens = CToken.placed(byLineMarkers: try CTokenizer.tokenize(expansion.text, file: file)) { $0 }
        .filter { $0.kind != .preprocessor }
    } catch {
      throw AtomicsUnknown(location: here, reason: "the boot's lock choice cannot be read: \(error)")
    }
    let functions = CFunction.definitions(in: tokens, file: file)
    guard let function = functions.values.first, functions.count == 1, let body = function.body else {
      throw AtomicsUnknown(location: here, reason: "the boot's lock choice cannot be read")
    }
    let z3 = Z3Context()
    let isa: ISAString
    do { isa = try ISAString(parsing: path.isa(xlen: xlen)) } catch {
      throw AtomicsUnknown(location: here, reason: "the boot path's ISA: \(error)")
    }
    let configuration = MachineConfiguration(isa: isa, profile: .permissive)
    var evaluator = PrimitiveEvaluator(z3: z3, configuration: configuration, extensions: path.extensions, file: file)
    let start = PrimitiveEvaluator.World(
      locals: [:], memory: .constant(0, addressWidth: xlen, in: z3),
      reservation: Reservation(valid: z3.falseFormula, address: BitVec(0, width: xlen)), condition: z3.trueFormula,
      trapped: z3.falseFormula)
    let worlds = try evaluator.run(body, [start])
    let choices = Set(worlds.map { !$0.keyDisabled })
    guard choices.count == 1, let queued = choices.first else {
      throw AtomicsUnknown(location: here, reason: "the boot's lock choice depends on more than the boot path")
    }
    return queued
  }
}
