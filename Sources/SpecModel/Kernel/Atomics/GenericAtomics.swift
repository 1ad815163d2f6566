import Foundation

/// The kernel's generic atomic layer: `include/linux/atomic.h` and the fallback header it
/// includes. An architecture gives some orderings of each `atomic_t` operation and the layer
/// builds the rest from them (an `_acquire` form from the `_relaxed` one and
/// `__atomic_acquire_fence()`), so callers get the layer's functions: those are what is proved
/// where the tree has the layer.
struct GenericAtomics: Sendable {
  /// The prefix of the functions callers reach through the layer: `raw_` since the layer names
  /// its own functions so, `arch_` before (the layer then filled in the architecture's names).
  let prefix: String
  /// Headers laid over the tree's to reach the layer: the layer's own files, included from the
  /// tree where they are, and the instrumented and `atomic_long_t` layers on top, not read.
  let stubs: [String: String]
  /// Whether the tree has the layer (`include/linux/atomic.h`).
  let present: Bool

  /// The layer's files, by the name the kernel includes them by, oldest layout last. Since the
  /// layer names its functions `raw_`, `atomic_long_t`'s are part of it too (`raw_atomic_long_inc`
  /// calls `raw_atomic64_inc` or `raw_atomic_inc`, by XLEN).
  static let layerFiles = [
    "linux/atomic/atomic-arch-fallback.h", "linux/atomic-arch-fallback.h", "linux/atomic-fallback.h",
    "linux/atomic/atomic-long.h",
  ]
  /// What is laid over as empty where the tree has none of it to read: sanitizer hooks, the older
  /// layouts' `atomic_long_t`, and the layer's `atomic-long.h` in a tree without one.
  static let notRead = [
    "linux/atomic/atomic-instrumented.h", "asm-generic/atomic-instrumented.h", "asm-generic/atomic-long.h",
    "linux/atomic-long.h", "linux/atomic/atomic-long.h",
  ]

  init(root: String) {
    let include = (root as NSString).appendingPathComponent("include")
    let atomic = (include as NSString).appendingPathComponent("linux/atomic.h")
    guard FileManager.default.fileExists(atPath: atomic) else {
      prefix = "arch_"
      stubs = [:]
      present = false
      return
    }
    present = true
    // Each of the layer's files is the tree's own, included by its path there, so that what the
    // preprocessor says of it names the tree's file and line.
    var stubs = ["linux/atomic.h": "#include \"\(atomic)\"\n"]
    var fallbackText = ""
    for name in Self.layerFiles {
      let path = (include as NSString).appendingPathComponent(name)
      guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
      stubs[name] = "#include \"\(path)\"\n"
      if !name.hasSuffix("atomic-long.h") { fallbackText += text }
    }
    for name in Self.notRead where stubs[name] == nil {
      stubs[name] = "/* rvcheck: the layer above the generic atomics is not read. */\n"
    }
    self.stubs = stubs
    prefix = fallbackText.contains("raw_atomic_") ? "raw_" : "arch_"
  }
}
