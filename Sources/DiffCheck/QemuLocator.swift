import Foundation
import SpecModel

/// Finds `qemu-riscv64`/`qemu-riscv32`: an explicit path (`--qemu`), `$RVCHECK_QEMU`, the copy
/// `scripts/install-qemu` puts in `.tools/qemu` beside the working directory or the rvcheck binary,
/// or `PATH`. An explicit path is either a folder holding both binaries or one of them, whose
/// name gives the other's.
public enum QemuLocator {
  public static let environmentVariable = "RVCHECK_QEMU"
  public static let installHint =
    "scripts/install-qemu fetches one with Zacas into .tools/qemu; or pass --qemu PATH or set \(environmentVariable)"

  public struct NotFound: Error, CustomStringConvertible {
    public let description: String
  }

  public static func locate(xlen: Int, explicit: String? = nil) throws(NotFound) -> String {
    let name = "qemu-riscv\(xlen)"
    if let given = explicit ?? ProcessInfo.processInfo.environment[environmentVariable] {
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: given, isDirectory: &isFolder) else {
        throw NotFound(description: "qemu not found: '\(given)' does not exist")
      }
      let path: String
      if isFolder.boolValue {
        path = (given as NSString).appendingPathComponent(name)
      } else {
        path = given.replacingOccurrences(of: "riscv\(96 - xlen)", with: "riscv\(xlen)")
      }
      guard FileManager.default.isExecutableFile(atPath: path) else {
        throw NotFound(description: "qemu not found: '\(path)' is not an executable file")
      }
      return path
    }
    if let path = projectCopy(name) { return path }
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
      let path = "\(directory)/\(name)"
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw NotFound(description: "\(name) not found; \(installHint)")
  }

  /// `.tools/qemu/NAME` in the working directory, the rvcheck binary's directory, or a parent.
  static func projectCopy(_ name: String) -> String? {
    var starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
    if let executable = Bundle.main.executableURL { starts.append(executable.deletingLastPathComponent()) }
    for start in starts {
      var directory = start.standardizedFileURL
      while true {
        let path = directory.appendingPathComponent(".tools/qemu/\(name)").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        let parent = directory.deletingLastPathComponent()
        if parent.path == directory.path { break }
        directory = parent
      }
    }
    return nil
  }

  /// QEMU's name for each modelled extension; Zicclsm is a profile feature, not a CPU property.
  static let properties: [Extension: String] = [
    .m: "m", .zaamo: "zaamo", .zalrsc: "zalrsc", .zacas: "zacas", .zabha: "zabha", .zama16b: "zama16b",
  ]

  /// The `-cpu` value that switches on exactly the extensions of `isa`: the bare `rv64i`/`rv32i`
  /// model plus one property each. QEMU releases before Zacas lack the bare models.
  public static func cpu(for isa: ISAString) -> String {
    // QEMU's Zacas checks for A itself, not for its two halves.
    let whole = isa.has(.zaamo) && isa.has(.zalrsc)
    var enabled = isa.extensions.sorted().compactMap { properties[$0] }
    if whole { enabled = enabled.filter { $0 != "zaamo" && $0 != "zalrsc" } + ["a"] }
    return (["rv\(isa.xlen)i"] + enabled.map { "\($0)=true" }).joined(separator: ",")
  }

  /// Whether `executable` accepts `cpu(for: isa)`: a model it cannot build is refused before the
  /// program is loaded, so a missing program is what a capable QEMU complains of.
  static func buildsBareModel(_ executable: String, _ isa: ISAString) -> Bool {
    guard let result = query(executable, ["-cpu", cpu(for: isa), "/nonexistent"]) else { return false }
    // QEMU prints this complaint on standard output.
    return (result.output + result.errors).contains("Error while loading")
  }

  /// `qemu-riscv64 --version`'s number, such as `10.0.13`.
  public static func version(of executable: String) -> String? {
    guard let result = query(executable, ["--version"]), case .exited(0) = result.end else { return nil }
    let words = result.output.split(whereSeparator: \.isWhitespace)
    guard let index = words.firstIndex(of: "version"), index + 1 < words.count else { return nil }
    return String(words[index + 1])
  }

  private static func query(_ executable: String, _ arguments: [String]) -> ProcessResult? {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-qemu-\(UUID().uuidString)")
    guard (try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)) != nil else {
      return nil
    }
    defer { try? FileManager.default.removeItem(at: scratch) }
    return runProcess(executable, arguments, timeout: .seconds(10), scratch: scratch)
  }
}
