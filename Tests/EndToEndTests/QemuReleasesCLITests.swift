import DiffCheck
import Foundation
import Testing

/// Two QEMU releases in a scratch `.tools/qemu`: the installed QEMU under its own release, and the
/// same binaries behind a wrapper that reports a release nobody has reviewed. Nothing is installed.
@Suite(.enabled(if: QemuEmulator.locate(xlen: 64) != nil, "qemu-user not installed"))
struct QemuReleasesCLITests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  static let known = repository.appendingPathComponent("corpus/known").path

  /// A folder with `.tools/qemu/<real release>/`, `.tools/qemu/12.0.0/` (the wrapper) and the
  /// `stable` link to the real one.
  static func scratchTools() throws -> (folder: URL, real: String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-releases-\(UUID().uuidString)")
    let tools = folder.appendingPathComponent(".tools/qemu")
    let real64 = try #require(QemuEmulator.locate(xlen: 64))
    let real = try #require(QemuLocator.version(of: real64))
    for xlen in [64, 32] {
      let binary = URL(fileURLWithPath: try #require(QemuEmulator.locate(xlen: xlen))).resolvingSymlinksInPath().path
      let name = "qemu-riscv\(xlen)"
      let installed = tools.appendingPathComponent(real)
      try FileManager.default.createDirectory(at: installed, withIntermediateDirectories: true)
      try FileManager.default.createSymbolicLink(
        atPath: installed.appendingPathComponent(name).path, withDestinationPath: binary)
      let wrapped = tools.appendingPathComponent("12.0.0")
      try FileManager.default.createDirectory(at: wrapped, withIntermediateDirectories: true)
      let script = wrapped.appendingPathComponent(name)
      try BinaryRunner.writeExecutable(
        """
        #!/bin/sh
        if [ "$1" = --version ]; then echo "\(name) version 12.0.0"; exit 0; fi
        exec '\(binary)' "$@"

        """, to: script)
    }
    try FileManager.default.createSymbolicLink(
      atPath: tools.appendingPathComponent("stable").path, withDestinationPath: real)
    return (folder, real)
  }

  @Test func aColumnPerReleaseAndTheRangeReviewed() throws {
    let (folder, real) = try Self.scratchTools()
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try BinaryRunner.run(
      [
        "fuzz", "--emulator", "qemu@stable,qemu@12.0.0", "--seed", "3", "--count", "120", "--length", "16",
        "--jobs", "1", "--known", Self.known, "--quiet",
      ], in: folder)
    #expect(result.status == 0, "\(result.output)\(result.error)")
    #expect(result.output.contains("emulator           qemu@\(real),qemu@12.0.0"), "\(result.output)")
    #expect(result.output.contains("\nqemu@\(real) "), "\(result.output)")
    #expect(result.output.contains("\nqemu@12.0.0 "), "\(result.output)")
    #expect(
      result.output.contains(
        "outside range      qemu-amocas-x0-clobbers-zero confirmed on 12.0.0, outside the listed range"),
      "\(result.output)")
    #expect(result.output.contains("violations         0"), "\(result.output)")

    let status = try BinaryRunner.run(
      ["replay", "--known", "--emulator", "qemu@12.0.0", Self.known], in: folder)
    #expect(status.status == 0, "\(status.output)\(status.error)")
    #expect(
      status.output.contains("reproduces          qemu-amocas-x0-clobbers-zero on qemu@12.0.0 (listed for")
        && status.output.contains("only: outside the range)"), "\(status.output)")

    let missing = try BinaryRunner.run(["replay", "--emulator", "qemu@13.0", Self.known], in: folder)
    #expect(missing.status == 2, "\(missing.output)")
    #expect(missing.error.contains("(installed: \(real), 12.0.0)"), "\(missing.error)")
  }
}
