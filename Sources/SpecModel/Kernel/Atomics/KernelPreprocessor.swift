import Foundation

/// Expands kernel headers with the system's C preprocessor (gcc's `cpp`), never by hand: macros,
/// `#if` and includes mean what the compiler makes of them.
///
/// The tree's headers are read where they are, except where the caller's stub headers stand in
/// (defining what the primitives need, such as `BUILD_BUG_ON`); any other header the expansion asks
/// for is taken as empty. The empty ones are listed in the result,
/// because they are assumptions: a macro the tree defines there is not seen.
public struct KernelPreprocessor: Sendable {
  /// The preprocessor to run (`cpp` on the search path unless given).
  public var executable: String
  /// Seconds before a run is stopped and reported as hung.
  public var timeout: Double = 30
  /// Empty stubs added before giving up: a tree that keeps asking for more is not followed.
  public var maxEmptyStubs = 200

  public init(executable: String? = nil) {
    self.executable = executable ?? Self.onPath("cpp") ?? "cpp"
  }

  /// Where `name` is on the search path.
  static func onPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  public struct Expansion: Sendable {
    /// The preprocessed text, with `# line "file"` markers so that a place in it maps back.
    public let text: String
    /// Headers that were not found and were taken as empty, in the order they were asked for.
    public let emptyStubs: [String]
  }

  public struct Failure: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
  }

  /// Expands `source` (a translation unit the caller writes, named `unit` in messages).
  /// `stubs` (path to text, such as `linux/bug.h`) are searched first and stand in for the tree's
  /// headers of the same name, then `includes` (the tree's `arch/riscv/include`), then the empty
  /// stubs made along the way.
  public func expand(
    _ source: String, unit: String = "rvcheck-unit.c", includes: [String], stubs: [String: String],
    defines: [String: String]
  ) throws(Failure) -> Expansion {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "rvcheck-cpp-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let stubFolder = folder.appendingPathComponent("stubs")
    let emptyFolder = folder.appendingPathComponent("empty")
    let unitFile = folder.appendingPathComponent(unit)
    do {
      try FileManager.default.createDirectory(at: emptyFolder, withIntermediateDirectories: true)
      try FileManager.default.createDirectory(at: stubFolder, withIntermediateDirectories: true)
      for (path, text) in stubs { try write(text, stubFolder.appendingPathComponent(path)) }
      try write(source, unitFile)
    } catch {
      throw Failure(message: "cannot prepare the preprocessor's input: \(error)")
    }
    var arguments = ["-nostdinc", "-undef", "-std=gnu11"]
    for (name, value) in defines.sorted(by: { $0.key < $1.key }) { arguments.append("-D\(name)=\(value)") }
    // The caller's stubs stand in for the tree's headers of the same name.
    arguments += ["-I", stubFolder.path]
    for include in includes { arguments += ["-I", include] }
    arguments += ["-I", emptyFolder.path, unitFile.path]
    var emptyStubs: [String] = []
    while true {
      let (status, output, errors) = try run(arguments)
      if status == 0 { return Expansion(text: output, emptyStubs: emptyStubs) }
      // `fatal error: linux/compiler.h: No such file or directory`: take it as empty and go on.
      if let missing = Self.missingHeader(errors), emptyStubs.count < maxEmptyStubs, !emptyStubs.contains(missing) {
        emptyStubs.append(missing)
        do { try write("", emptyFolder.appendingPathComponent(missing)) } catch {
          throw Failure(message: "cannot write an empty stub for \(missing): \(error)")
        }
        continue
      }
      let shown = errors.replacingOccurrences(of: folder.path + "/", with: "")
      throw Failure(message: "the preprocessor failed:\n" + shown.trimmingCharacters(in: .whitespacesAndNewlines))
    }
  }

  private func write(_ text: String, _ url: URL) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  /// The header named in cpp's "No such file or directory" error, if that is the error.
  static func missingHeader(_ errors: String) -> String? {
    for line in errors.split(separator: "\n") where line.hasSuffix(": No such file or directory") {
      let parts = line.components(separatedBy: ": ")
      // file:line:column: fatal error: HEADER: No such file or directory
      guard let fatal = parts.firstIndex(of: "fatal error"), fatal + 1 < parts.count else { continue }
      let header = parts[fatal + 1]
      guard !header.hasPrefix("/"), !header.contains(".."), !header.isEmpty else { return nil }
      return header
    }
    return nil
  }

  private func run(_ arguments: [String]) throws(Failure) -> (Int32, String, String) {
    guard FileManager.default.isExecutableFile(atPath: executable) else {
      throw Failure(message: "no C preprocessor at '\(executable)': install Debian's cpp (scripts/setup does)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    do { try process.run() } catch { throw Failure(message: "cannot run \(executable): \(error)") }
    // Both pipes are drained while the process runs, so a large expansion cannot block it.
    let collected = Collected()
    let group = DispatchGroup()
    for (pipe, isOutput) in [(output, true), (errors, false)] {
      group.enter()
      DispatchQueue.global().async {
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        collected.set(data, output: isOutput)
        group.leave()
      }
    }
    if group.wait(timeout: .now() + timeout) == .timedOut {
      process.terminate()
      throw Failure(message: "the preprocessor did not finish within \(Int(timeout)) s")
    }
    process.waitUntilExit()
    return (
      process.terminationStatus, String(decoding: collected.output, as: UTF8.self),
      String(decoding: collected.errors, as: UTF8.self)
    )
  }

  private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var output = Data()
    private(set) var errors = Data()
    func set(_ data: Data, output isOutput: Bool) {
      lock.lock()
      defer { lock.unlock() }
      if isOutput { output = data } else { errors = data }
    }
  }
}
