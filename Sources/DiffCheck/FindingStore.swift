import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A folder of findings that never loses one: each is written the moment it exists, atomically
/// (temporary file, fsync, rename, fsync of the folder), and findings that break the same rules with
/// the same instruction forms as one already there are counted, not written again.
public final class FindingStore: @unchecked Sendable {
  public let folder: URL
  private let lock = NSLock()
  private var seen: Set<String> = []
  public private(set) var written = 0
  public private(set) var duplicates = 0
  /// Findings whose shrinking a stop request cut short, written as `unshrunk-*.rvt`.
  public private(set) var unshrunkWritten = 0

  public init(folder: URL) throws {
    self.folder = folder
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  /// What makes two findings the same bug: the rules broken and the forms in the reproducer.
  public static func key(_ finding: Finding) -> String {
    ruleNames(finding.rules).sorted().joined(separator: ",") + " | " + finding.forms.joined(separator: ",")
  }

  /// The file name (without extension) for a key: stable across runs, so reruns de-duplicate too.
  public static func name(forKey key: String) -> String {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
    for byte in key.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01B3
    }
    return "finding-" + String(hash, radix: 16).leftPadded(to: 16)
  }

  /// Writes `finding` (its `.rvt` case, after any `attachments` such as a Spike ELF) unless an
  /// equal one is on disk. Returns the file name and whether it was new.
  @discardableResult
  public func record(_ finding: Finding, attachments: [(fileExtension: String, bytes: [UInt8])] = []) throws -> (
    name: String, isNew: Bool
  ) {
    lock.lock()
    defer { lock.unlock() }
    // Named after the program, not the bug: a case cut short is not a key's reproducer yet.
    let origin = finding.reproducer.comments.first ?? "program \(finding.programIndex)"
    let unshrunk = folder.appendingPathComponent(
      "unshrunk-" + Self.name(forKey: origin).dropFirst("finding-".count) + ".rvt")
    if finding.shrinkCutShort {
      try Self.writeAtomically(Array(finding.reproducer.text.utf8), to: unshrunk)
      unshrunkWritten += 1
      return (unshrunk.deletingPathExtension().lastPathComponent, true)
    }
    // The same program checked whole (by --resume) replaces the case cut short.
    if FileManager.default.fileExists(atPath: unshrunk.path) { try FileManager.default.removeItem(at: unshrunk) }
    let key = Self.key(finding)
    let name = Self.name(forKey: key)
    let caseFile = folder.appendingPathComponent(name + ".rvt")
    if seen.contains(key) || FileManager.default.fileExists(atPath: caseFile.path) {
      seen.insert(key)
      duplicates += 1
      return (name, false)
    }
    for attachment in attachments {
      try Self.writeAtomically(
        attachment.bytes, to: folder.appendingPathComponent(name + "." + attachment.fileExtension))
    }
    var reproducer = finding.reproducer
    reproducer.comments.append("finding key: \(key)")
    // The case file goes last: once it exists, the finding is complete.
    try Self.writeAtomically(Array(reproducer.text.utf8), to: caseFile)
    seen.insert(key)
    written += 1
    return (name, true)
  }

  /// Writes an emulator failure's case as `failure-<emulator>-<program>.rvt`; returns the name.
  @discardableResult
  public func record(_ failure: EmulatorFailure) throws -> String {
    let name = "failure-\(failure.emulator)-\(failure.programIndex)"
    try Self.writeAtomically(Array(failure.reproducer.text.utf8), to: folder.appendingPathComponent(name + ".rvt"))
    return name
  }

  /// Writes to a temporary file beside `url`, syncs it, renames it over `url`, and syncs the folder,
  /// so a crash leaves either the old file or the whole new one.
  public static func writeAtomically(_ bytes: [UInt8], to given: URL) throws {
    // Through a link, the file it names is replaced, not the link.
    let url = given.resolvingSymlinksInPath()
    var status = stat()
    if stat(url.path, &status) == 0 {
      switch status.st_mode & S_IFMT {
      case S_IFREG: break
      case S_IFCHR, S_IFIFO:
        // A device or a pipe (/dev/null, /dev/stdout) is written in place: renaming over it would
        // replace the device node with a regular file.
        try writeInPlace(bytes, to: url)
        return
      case S_IFDIR: throw StoreError(path: given.path, reason: "is a directory")
      default: throw StoreError(path: given.path, reason: "not a regular file, a device or a pipe")
      }
    }
    let temporary = url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard descriptor >= 0 else { throw StoreError(path: temporary.path, reason: String(cString: strerror(errno))) }
    var offset = 0
    while offset < bytes.count {
      let count = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
      guard count > 0 else {
        let reason = String(cString: strerror(errno))
        close(descriptor)
        unlink(temporary.path)
        throw StoreError(path: url.path, reason: reason)
      }
      offset += count
    }
    guard fsync(descriptor) == 0, close(descriptor) == 0 else {
      unlink(temporary.path)
      throw StoreError(path: url.path, reason: "fsync failed: \(String(cString: strerror(errno)))")
    }
    guard rename(temporary.path, url.path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary.path)
      throw StoreError(path: url.path, reason: reason)
    }
    let folder = open(url.deletingLastPathComponent().path, O_RDONLY)
    if folder >= 0 {
      fsync(folder)
      close(folder)
    }
  }

  private static func writeInPlace(_ bytes: [UInt8], to url: URL) throws {
    let descriptor = open(url.path, O_WRONLY)
    guard descriptor >= 0 else { throw StoreError(path: url.path, reason: String(cString: strerror(errno))) }
    defer { close(descriptor) }
    var offset = 0
    while offset < bytes.count {
      let count = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
      guard count > 0 else { throw StoreError(path: url.path, reason: String(cString: strerror(errno))) }
      offset += count
    }
  }

  public struct StoreError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): cannot write: \(reason)" }
  }
}

extension String {
  func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
