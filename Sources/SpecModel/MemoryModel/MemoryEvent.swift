/// Which memory model judges a litmus test.
public enum MemoryModelKind: String, Sendable, CaseIterable {
  /// RVWMO as the ISA manual's axiomatic appendix states it: coherence, the main model axiom over
  /// preserved program order (13 rules) and atomicity.
  case rvwmo
  /// Sequential consistency: one total order that respects program order.
  case sc
  /// The Linux-kernel memory model (`tools/memory-model/linux-kernel.cat`), for C tests.
  case lkmm
}

/// What a failed amocas does to memory: nothing, writes the old value back, or either.
public enum FailedCASWrite: String, Sendable, CaseIterable {
  case noWrite = "no-write"
  case writeBack = "write-back"
  case either
}

/// One memory access or fence of a litmus execution.
struct MemoryEvent {
  /// An AMO is one `update` event, both a read and a write, as in the manual's model: what orders
  /// either half orders the whole instruction.
  enum Kind { case read, write, update, fence }
  var id: Int
  /// -1 for the initial writes.
  let thread: Int
  let order: Int
  let kind: Kind
  var address: BitVec
  /// The bytes the access takes (a fence takes none that matter).
  var bytes = LitmusExecution.width / 8
  /// The event this one is a granule of (`MixedSizeAccesses`), nil for an event that is whole.
  var instruction: Int?
  /// The value read (a read or an update) or written (a write).
  var value: BitVec
  let executed: Formula
  /// An update's written value, and when it writes (a failed amocas may not).
  var stored: BitVec?
  var writes: Formula?
  var acquire = false
  var release = false
  /// A release that holds only sometimes: the read of an amocas.rl releases only if it succeeds.
  var releaseWhen: Formula?
  /// LR, SC or an AMO (the annotations are RCsc on these).
  var atomic = false
  /// LR or SC.
  var exclusive = false
  var amo = false
  var fence: (predecessor: Set<Character>, successor: Set<Character>, tso: Bool)?
  var addressDependencies: Set<Int> = []
  var dataDependencies: Set<Int> = []
  var controlDependencies: Set<Int> = []
  /// When an address or data dependency holds only on some paths (a register written on one side
  /// of a branch), the condition, by read; a dependency not here always holds.
  var addressWhen: [Int: Formula] = [:]
  var dataWhen: [Int: Formula] = [:]
  /// The LKMM's classes, for the events of a C test.
  var kernel: KernelEventTag?

  var isMemory: Bool { kind != .fence }
  var reads: Bool { kind == .read || kind == .update }
  var isWrite: Bool { kind == .write || kind == .update }
  /// Whether the event writes memory in this execution.
  var writeExecuted: Formula { writes.map { executed && $0 } ?? executed }
  var written: BitVec { stored ?? value }
}

/// A problem turning a litmus test into events.
public struct LitmusModelError: Error, CustomStringConvertible {
  public let line: Int
  public let column: Int
  public let message: String
  public var description: String { "\(line):\(column): error: \(message)" }
}
