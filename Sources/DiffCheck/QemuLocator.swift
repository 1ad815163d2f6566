import Foundation
import SpecModel

/// Finds `qemu-riscv64`/`qemu-riscv32`: an explicit path (`--qemu`), `$RVCHECK_QEMU`, a release
/// `scripts/install-qemu` put in `.tools/qemu` beside the working directory or the rvcheck binary,
/// or `PATH`. An explicit path is either a folder holding both binaries or one of them, whose
/// name gives the other's.
///
/// `.tools/qemu` holds one folder per release (`10.0.13/`, `11.1.3/`) and a link per Debian suite
/// (`stable`, `unstable`) naming one of them. Without a release asked for, `stable` is used (then
/// binaries an older install left in `.tools/qemu` itself, then the newest release folder).
public enum QemuLocator {
  public static let environmentVariable = "RVCHECK_QEMU"
  public static let installHint =
    "scripts/install-qemu fetches one with Zacas into .tools/qemu; or pass --qemu PATH or set \(environmentVariable)"

  public struct NotFound: Error, CustomStringConvertible {
    public let description: String
  }

  /// `release` (from `--emulator qemu@RELEASE`) is a folder of `.tools/qemu`: a release number or a
  /// suite's link; with it, only that folder (or an explicit `--qemu`) is looked at.
  public static func locate(xlen: Int, explicit: String? = nil, release: String? = nil) throws(NotFound) -> String {
    let name = "qemu-riscv\(xlen)"
    if let given = explicit ?? (release == nil ? ProcessInfo.processInfo.environment[environmentVariable] : nil) {
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
    if let release {
      if let folder = toolsFolder(), FileManager.default.isExecutableFile(atPath: "\(folder)/\(release)/\(name)") {
        return "\(folder)/\(release)/\(name)"
      }
      let installed = toolsFolder().map(releases(in:)) ?? []
      throw NotFound(
        description:
          "QEMU '\(release)' is not installed in .tools/qemu (installed: \(installed.isEmpty ? "none" : installed.joined(separator: ", "))); scripts/install-qemu --suite unstable installs Debian's newest"
      )
    }
    if let path = projectCopy(name) { return path }
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
      let path = "\(directory)/\(name)"
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw NotFound(description: "\(name) not found; \(installHint)")
  }

  /// The default QEMU in `.tools/qemu`: the stable suite's, one left in the folder itself, or the
  /// newest release folder.
  static func projectCopy(_ name: String) -> String? {
    guard let folder = toolsFolder() else { return nil }
    let candidates =
      ["\(folder)/stable/\(name)", "\(folder)/\(name)"]
      + releases(in: folder).reversed().map { "\(folder)/\($0)/\(name)" }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// `.tools/qemu` in the working directory, the rvcheck binary's directory, or a parent.
  static func toolsFolder() -> String? {
    var starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
    if let executable = Bundle.main.executableURL { starts.append(executable.deletingLastPathComponent()) }
    for start in starts {
      var directory = start.standardizedFileURL
      while true {
        let path = directory.appendingPathComponent(".tools/qemu").path
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue { return path }
        let parent = directory.deletingLastPathComponent()
        if parent.path == directory.path { break }
        directory = parent
      }
    }
    return nil
  }

  /// The release a `.tools/qemu` folder name stands for: a suite's link gives the release it
  /// names (`stable` → `10.0.13`); anything else is kept as it is.
  public static func resolvedRelease(_ release: String) -> String {
    guard let folder = toolsFolder(),
      let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/\(release)")
    else { return release }
    return (target as NSString).lastPathComponent
  }

  /// The release folders of `folder` (names that are dotted numbers), oldest first.
  public static func releases(in folder: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.compactMap { name in KnownDeviation.version(name).map { (name, $0) } }
      .sorted { KnownDeviation.less($0.1, $1.1) }.map(\.0)
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
