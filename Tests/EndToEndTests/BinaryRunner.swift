import Foundation
import Testing

/// Runs the built `rvcheck` binary, which sits beside the test bundle.
enum BinaryRunner {
  struct Result {
    let status: Int32
    let output: String
    let error: String
  }

  static var executable: URL {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    return bundle.appendingPathComponent("rvcheck")
  }

  static func run(_ arguments: [String], timeout: TimeInterval = 300, in directory: URL? = nil) throws -> Result {
    try run(executable, arguments, in: directory)
  }

  /// Runs any program to its end, with both outputs captured.
  static func run(_ program: URL, _ arguments: [String], in directory: URL? = nil) throws -> Result {
    let process = Process()
    process.executableURL = program
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read before waiting so a full pipe cannot stall the child.
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let error = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
      error: String(decoding: error, as: UTF8.self))
  }

  /// Writes an executable script, opened close-on-exec: a process another test starts meanwhile
  /// must not keep it open for writing, or running it fails with "Text file busy".
  static func writeExecutable(_ text: String, to url: URL) throws {
    let bytes = Array(text.utf8)
    let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
    guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
    defer { close(descriptor) }
    guard bytes.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
      throw CocoaError(.fileWriteUnknown)
    }
  }
}
