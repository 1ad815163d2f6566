import Foundation
import Testing

@testable import DiffCheck

/// Reports and state files are replaced atomically, but never by renaming over something that is
/// not a regular file.
@Suite struct AtomicWriteTests {
  func scratch() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-write-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
  }

  @Test func aDeviceIsWrittenInPlaceAndStaysADevice() throws {
    try FindingStore.writeAtomically(Array("report\n".utf8), to: URL(fileURLWithPath: "/dev/null"))
    let type = try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType
    #expect(type == .typeCharacterSpecial)
  }

  @Test func aFullDeviceIsAnError() throws {
    #expect(throws: FindingStore.StoreError.self) {
      try FindingStore.writeAtomically(Array(repeating: 0x41, count: 4096), to: URL(fileURLWithPath: "/dev/full"))
    }
  }

  @Test func aFolderIsRefusedByName() throws {
    let folder = try scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    do {
      try FindingStore.writeAtomically([1], to: folder)
      Issue.record("writing over a folder succeeded")
    } catch let error as FindingStore.StoreError {
      #expect(error.description.contains(folder.lastPathComponent) && error.description.contains("directory"))
    }
  }

  @Test func aLinkKeepsPointingAtTheReplacedFile() throws {
    let folder = try scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let target = folder.appendingPathComponent("state.json")
    let link = folder.appendingPathComponent("link.json")
    try Data("old".utf8).write(to: target)
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
    try FindingStore.writeAtomically(Array("new".utf8), to: link)
    #expect(try String(contentsOf: target, encoding: .utf8) == "new")
    #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link.path)) != nil)
  }
}
