import Synchronization

/// When a campaign last handed freed memory back to the system: shared by every worker of the
/// process, so that the trims of all of them together happen at most once per `interval`.
enum MemoryTrim {
  static let interval = Duration.seconds(1)
  private static let last = Mutex<ContinuousClock.Instant?>(nil)

  /// Whether a trim is due now; if so, the next one is an interval away.
  static func due() -> Bool {
    let now = ContinuousClock.now
    return last.withLock { last in
      if let previous = last, now - previous < interval { return false }
      last = now
      return true
    }
  }
}
