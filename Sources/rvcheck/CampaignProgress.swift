import DiffCheck
import Dispatch
import Foundation

/// Progress on standard error: one line rewritten in place on a terminal, a plain line every half
/// minute otherwise, nothing with `--quiet`.
final class CampaignProgress: @unchecked Sendable {
  enum Mode { case terminal, lines, quiet }

  private let lock = NSLock()
  private let total: Int
  private let mode: Mode
  private let begun = ContinuousClock.now
  private var done = 0
  private var findings = 0
  private var coverage = Coverage()
  private var timer: DispatchSourceTimer?
  private var coverageCells = 0

  init(total: Int, mode: Mode) {
    self.total = total
    self.mode = mode
  }

  func start() {
    guard mode != .quiet else { return }
    let timer = DispatchSource.makeTimerSource(queue: .global())
    let interval: DispatchTimeInterval = mode == .terminal ? .seconds(1) : .seconds(30)
    timer.schedule(deadline: .now() + interval, repeating: interval)
    timer.setEventHandler { [weak self] in self?.print() }
    timer.resume()
    self.timer = timer
  }

  func advance(by programs: Int, summary: CampaignSummary) {
    lock.lock()
    defer { lock.unlock() }
    done += programs
    coverage.merge(summary.coverage)
    coverageCells = coverage.counts.count
  }

  func found() {
    lock.lock()
    defer { lock.unlock() }
    findings += 1
  }

  func note(_ message: String) {
    guard mode != .quiet else { return }
    write((mode == .terminal ? "\n" : "") + "rvcheck: \(message)\n")
  }

  func finish() {
    timer?.cancel()
    timer = nil
    guard mode != .quiet else { return }
    print()
    if mode == .terminal { write("\n") }
  }

  private func print() {
    lock.lock()
    let (done, findings, cells) = (self.done, self.findings, coverageCells)
    lock.unlock()
    let seconds = max((ContinuousClock.now - begun).inSeconds, 0.001)
    let line = String(
      format: "%d/%d programs, %.1f/s, %.0fs elapsed, %d coverage cells, %d findings", done, total,
      Double(done) / seconds, seconds, cells, findings)
    write(mode == .terminal ? "\r\u{1B}[K" + line : line + "\n")
  }

  private func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }
}

/// Turns SIGINT and SIGTERM into a stop request while a campaign runs; a second signal, from a
/// user who will not wait for the finding under way, calls `onSecond`, which ends the process.
final class SignalStopper {
  private var sources: [DispatchSourceSignal] = []

  init(
    _ flag: StopFlag, onStop: @escaping @Sendable () -> Void, onSecond: @escaping @Sendable () -> Void = {}
  ) {
    for number in [SIGINT, SIGTERM] {
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler {
        if flag.requested {
          onSecond()
          return
        }
        onStop()
        flag.request()
      }
      source.resume()
      sources.append(source)
    }
  }

  func cancel() {
    for source in sources { source.cancel() }
    sources.removeAll()
  }
}
