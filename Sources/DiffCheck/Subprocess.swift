import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How a child process ended.
public enum ProcessEnd: Equatable, Sendable {
  case exited(Int32)
  case signalled(Int32)
  case timedOut
  case couldNotStart(String)
}

/// The result of running an external program.
public struct ProcessResult: Sendable {
  public let end: ProcessEnd
  public let output: String
  public let errors: String
}

/// Runs `executable` in its own process group with stdin from /dev/null and output captured in
/// files (no pipe to fill up). After `timeout` the whole group is killed, so a wrapper script that
/// started the real program cannot leave it running.
public func runProcess(_ executable: String, _ arguments: [String], timeout: Duration, scratch: URL) -> ProcessResult {
  let outputPath = scratch.appendingPathComponent("stdout").path
  let errorPath = scratch.appendingPathComponent("stderr").path
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
  posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  var attributes = posix_spawnattr_t()
  posix_spawnattr_init(&attributes)
  defer { posix_spawnattr_destroy(&attributes) }
  posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
  posix_spawnattr_setpgroup(&attributes, 0)

  let argv = ([executable] + arguments).map { strdup($0) } + [nil]
  defer { argv.forEach { free($0) } }
  var pid = pid_t()
  let started = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
  guard started == 0 else {
    return ProcessResult(end: .couldNotStart(String(cString: strerror(started))), output: "", errors: "")
  }

  let deadline = ContinuousClock.now + timeout
  var status: Int32 = 0
  var pause = 200  // microseconds, doubling up to 20 ms
  var end: ProcessEnd?
  while end == nil {
    let waited = waitpid(pid, &status, WNOHANG)
    if waited == pid {
      let signal = status & 0x7F
      end = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
    } else if waited < 0 && errno != EINTR {
      end = .couldNotStart("waitpid failed: \(String(cString: strerror(errno)))")
    } else if ContinuousClock.now >= deadline {
      kill(-pid, SIGKILL)
      _ = waitpid(pid, &status, 0)
      end = .timedOut
    } else {
      usleep(UInt32(pause))
      pause = min(pause * 2, 20_000)
    }
  }
  // Anything the program left behind in its group goes too.
  kill(-pid, SIGKILL)
  let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
  return ProcessResult(end: end!, output: read(outputPath), errors: read(errorPath))
}
