import Foundation
import Testing

@testable import DiffCheck
@testable import SpecModel

/// Where the tests find Spike. Locally a missing Spike skips the Spike tests with a message; under
/// CI (`CI=true`) a missing Spike is a failure.
enum SpikeSupport {
  static let path: String? = try? SpikeLocator.locate()
  static var available: Bool { path != nil }
  static var requiredByCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

  static var emulator: SpikeEmulator { SpikeEmulator(executable: path!, timeout: .seconds(60)) }

  static let corpus = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("corpus")

  static func corpusCase(_ relative: String) throws -> CorpusCase {
    let url = corpus.appendingPathComponent(relative)
    return try CorpusCase(parsing: String(contentsOf: url, encoding: .utf8), file: url.lastPathComponent)
  }

  static var corpusFiles: [String] {
    let root = corpus.appendingPathComponent("regressions")
    return ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).filter { $0.hasSuffix(".rvt") }
      .sorted()
  }

  static var litmusFiles: [String] {
    let folder = corpus.appendingPathComponent("litmus")
    return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
      $0.hasSuffix(".litmus")
    }.sorted()
  }

  static func litmus(_ name: String) throws -> LitmusTest {
    let url = corpus.appendingPathComponent("litmus/\(name)")
    return try LitmusParser.parse(String(contentsOf: url, encoding: .utf8), file: name)
  }

  /// A folder for fake emulators and reproducers, removed by the caller.
  static func scratch() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Writes an executable shell script. The file is opened close-on-exec: a process another test
  /// starts meanwhile must not keep it open for writing, or running it fails with "Text file busy".
  static func script(_ body: String, in folder: URL, name: String) throws -> String {
    let url = folder.appendingPathComponent(name)
    let bytes = Array("#!/bin/sh\n\(body)\n".utf8)
    let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
    guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
    defer { close(descriptor) }
    guard bytes.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
      throw CocoaError(.fileWriteUnknown)
    }
    return url.path
  }

  static func state(_ registers: [Int: UInt64] = [:], map: MemoryMap = .standard(xlen: 64)) -> ConcreteState {
    var state = ConcreteState.zeroed(map)
    for (number, value) in registers { state.registers[number] = value }
    return state
  }
}

@Suite struct EmulatorInstallationTests {
  @Test func spikeIsInstalledWhereCIRequiresIt() {
    if SpikeSupport.available { return }
    if SpikeSupport.requiredByCI {
      Issue.record("CI=true but spike was not found; \(SpikeLocator.installHint)")
    } else {
      print("note: spike not found, Spike tests skipped; \(SpikeLocator.installHint)")
    }
  }

  @Test func qemuWithZacasIsInstalledWhereCIRequiresIt() {
    if QemuSupport.withZacas { return }
    if SpikeSupport.requiredByCI {
      Issue.record(
        "CI=true but no qemu-riscv64/qemu-riscv32 with Zacas and Zabha was found; \(QemuLocator.installHint)")
    } else {
      print("note: no QEMU with Zacas, its tests skipped; \(QemuLocator.installHint)")
    }
  }

  @Test func aMissingExecutableIsNamed() {
    #expect(throws: SpikeLocator.NotFound.self) { try SpikeLocator.locate(explicit: "/nonexistent/spike") }
    do {
      _ = try SpikeLocator.locate(explicit: "/nonexistent/spike")
    } catch {
      #expect(error.description.contains("/nonexistent/spike"))
    }
  }
}

enum QemuSupport {
  /// Both QEMU binaries are found and build a CPU with exactly Zacas and Zabha on.
  static let withZacas: Bool = [32, 64].allSatisfy { xlen in
    guard let path = try? QemuLocator.locate(xlen: xlen) else { return false }
    return QemuLocator.buildsBareModel(path, try! ISAString(parsing: "rv\(xlen)ima_zacas_zabha"))
  }
}
