import Foundation
import SpecModel

/// What a preparation uses and the next one may reuse: a step cache with its machine, step
/// entries, the per-instruction arrays, the memory image and the lists of each round. Made and
/// freed for every program, they cost a score of allocations each time.
extension Oracle {
  /// The storage one preparation uses, sized for the longest program so far.
  final class Workspace {
    let cache: StepCache
    let entries: StepEntries
    var targets: [CASTarget?] = []
    var dropped: [Bool] = []
    var attempts: [Int] = []
    let views = Views()
    var supported: [Bool] = []
    var facts: [StepFacts] = []
    var observing: [Bool] = []
    var image: ConcreteMemory?
    var missed: [(Int, CASTarget)] = []
    var touched: [(start: UInt64, end: UInt64)] = []
    var pending: [Patch] = []
    /// What observing needs of each form met so far, by serial number: it depends on the form and
    /// the XLEN (the oracle's) alone, and working it out for every instruction of every program
    /// cost a hundredth of the loop.
    var factsByForm: [StepFacts] = []
    /// Whether the ISA has each form, by serial number: 1 yes, 0 no, `Oracle.unknownForm` not yet
    /// asked (and its facts not yet worked out).
    var supportedByForm: [UInt8] = []

    init(count: Int) {
      cache = StepCache(count: count)
      entries = StepEntries(count: count)
    }
  }

  final class Workspaces: @unchecked Sendable {
    // Taken and given back under the lock: one preparation at a time holds a workspace.
    private let lock = NSLock()
    private var spare: [Workspace] = []
    /// The initial memories and kept runs of prepared cases the campaign is done with
    /// (`Oracle.recycle`): a preparation fills its image and its machine's record in their arrays,
    /// where its own are still held by the last case it made.
    private var images: [ByteMap] = []
    private var runs: [ConcreteExecutor.Run] = []
    /// A batch's worth of each, and some: beyond it, storage is let go.
    private static let kept = 64

    /// Taken, not copied: a copy of a run counted each of its arrays once more, and once less
    /// when the caller's went.
    func recycle(image: consuming ByteMap, run: consuming ConcreteExecutor.Run?) {
      lock.lock()
      if images.count < Self.kept { images.append(image) }
      if let run = consume run, runs.count < Self.kept { runs.append(run) }
      lock.unlock()
    }

    /// A recycled image and run, each when there is one.
    func takeRecycled() -> (image: ByteMap?, run: ConcreteExecutor.Run?) {
      lock.lock()
      defer { lock.unlock() }
      return (images.popLast(), runs.popLast())
    }

    /// A workspace with room for `count` instructions, its cache and entries emptied.
    func take(count: Int) -> Workspace {
      lock.lock()
      let workspace = spare.popLast()
      lock.unlock()
      guard let workspace, workspace.cache.capacity >= count, workspace.entries.count >= count else {
        return Workspace(count: count)
      }
      workspace.cache.forget()
      workspace.entries.forget()
      return workspace
    }

    func give(_ workspace: Workspace) {
      lock.lock()
      if spare.count < 4 { spare.append(workspace) }
      lock.unlock()
    }
  }

  /// `array`'s storage, emptied, taken out of it (the caller hands it back when done).
  static func emptied<T>(_ array: inout [T], room: Int) -> [T] {
    var taken: [T] = []
    swap(&taken, &array)
    taken.removeAll(keepingCapacity: true)
    taken.reserveCapacity(room)
    return taken
  }

  /// `array`'s storage holding `count` elements, taken out of it: the elements it held already, or
  /// `placeholder` where it grows, for a caller that writes every element before reading any.
  static func sized<T>(_ array: inout [T], count: Int, placeholder: T) -> [T] {
    if array.count == count {
      var taken: [T] = []
      swap(&taken, &array)
      return taken
    }
    return filled(&array, with: placeholder, count: count)
  }

  /// `array`'s storage holding `count` copies of `value`, taken out of it.
  static func filled<T>(_ array: inout [T], with value: T, count: Int) -> [T] {
    // Programs mostly have one length: the storage already holds `count` elements, and
    // overwriting them skips emptying it and appending them one by one again.
    if array.count == count {
      var taken: [T] = []
      swap(&taken, &array)
      taken.withUnsafeMutableBufferPointer { $0.update(repeating: value) }
      return taken
    }
    var taken = emptied(&array, room: count)
    taken.append(contentsOf: repeatElement(value, count: count))
    return taken
  }
}
