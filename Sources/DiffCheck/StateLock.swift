import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An exclusive lock on a campaign state file, held for the life of the run, so that two runs
/// given the same state never overwrite each other's progress. The lock is `flock` on `FILE.lock`
/// beside the state: the kernel drops it when the process ends, however it ends.
public final class StateLock: @unchecked Sendable {
  private let descriptor: Int32
  public let path: String

  public struct Held: Error, CustomStringConvertible {
    public let state: String
    public let holder: String
    public var description: String {
      "\(state): in use by another rvcheck run (\(holder)): give each run its own --state or --findings folder (shards of one folder get a state file each)"
    }
  }

  /// Takes the lock for `state`, or throws `Held` naming the process that has it. Devices and
  /// pipes need no lock: nothing is resumed from them.
  public init?(state: String) throws {
    var status = stat()
    if stat(state, &status) == 0, (status.st_mode & S_IFMT) != S_IFREG { return nil }
    path = state + ".lock"
    descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    // A folder that cannot hold the lock cannot hold the state either; saving reports that.
    guard descriptor >= 0 else { return nil }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      var buffer = [UInt8](repeating: 0, count: 64)
      let count = read(descriptor, &buffer, buffer.count)
      close(descriptor)
      let pid = String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self).trimmingCharacters(
        in: .whitespacesAndNewlines)
      throw Held(state: state, holder: pid.isEmpty ? "process unknown" : "process \(pid)")
    }
    _ = ftruncate(descriptor, 0)
    let pid = Array("\(getpid())\n".utf8)
    _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
  }

  deinit {
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }
}
