/// The tree's own SMP barriers (`__smp_mb`, `__smp_load_acquire`, `__smp_store_release` of its
/// `asm/barrier.h`), read from the same expansion as the primitives, so that the rest of a compiled
/// litmus thread is what the tree makes of it. Where the tree defines one not, the kernel's
/// standard RISC-V mapping stands in, and the report says so.
struct BarrierMapping: Sendable {
  /// Function bodies by wrapper name; absent when the tree does not define the macro.
  let bodies: [String: [CStatement]]
  /// Why a wrapper could not be read, by name (read as unknown where it is used).
  let unreadable: [String: String]

  static let names =
    ["mb", "mb_after_atomic", "store_mb_u32"]
    + ["u8", "u16", "u32", "u64"].flatMap { ["load_acquire_" + $0, "store_release_" + $0] }

  /// The wrapper functions the prover's unit defines after including `asm/barrier.h`.
  static let wrappers = """
    #if defined(__smp_mb)
    void rvcheck_barrier_mb(void) { __smp_mb(); }
    #endif
    #if defined(__smp_mb__after_atomic)
    void rvcheck_barrier_mb_after_atomic(void) { __smp_mb__after_atomic(); }
    #endif
    #if defined(__smp_store_mb)
    void rvcheck_barrier_store_mb_u32(u32 *p, u32 n) { __smp_store_mb(*p, n); }
    #endif
    #if defined(__smp_load_acquire)
    u8 rvcheck_barrier_load_acquire_u8(u8 *p) { return __smp_load_acquire(p); }
    u16 rvcheck_barrier_load_acquire_u16(u16 *p) { return __smp_load_acquire(p); }
    u32 rvcheck_barrier_load_acquire_u32(u32 *p) { return __smp_load_acquire(p); }
    u64 rvcheck_barrier_load_acquire_u64(u64 *p) { return __smp_load_acquire(p); }
    #endif
    #if defined(__smp_store_release)
    void rvcheck_barrier_store_release_u8(u8 *p, u8 n) { __smp_store_release(p, n); }
    void rvcheck_barrier_store_release_u16(u16 *p, u16 n) { __smp_store_release(p, n); }
    void rvcheck_barrier_store_release_u32(u32 *p, u32 n) { __smp_store_release(p, n); }
    void rvcheck_barrier_store_release_u64(u64 *p, u64 n) { __smp_store_release(p, n); }
    #endif

    """

  /// The kernel macros behind the wrappers the tree does not define.
  var missing: [String] {
    var macros: [String] = []
    if bodies["mb"] == nil && unreadable["mb"] == nil { macros.append("__smp_mb") }
    if bodies["load_acquire_u32"] == nil && unreadable["load_acquire_u32"] == nil {
      macros.append("__smp_load_acquire")
    }
    if bodies["store_release_u32"] == nil && unreadable["store_release_u32"] == nil {
      macros.append("__smp_store_release")
    }
    return macros
  }

  init(tokens: [CToken], file: String) {
    var bodies: [String: [CStatement]] = [:]
    var unreadable: [String: String] = [:]
    for name in Self.names {
      let function = "rvcheck_barrier_" + name
      guard let start = tokens.firstIndex(where: { $0.text == function }),
        let brace = tokens[start...].firstIndex(where: { $0.text == "{" })
      else { continue }
      do {
        var parser = CParser(tokens: tokens, file: file, index: brace)
        parser.gnuExtensions = true
        bodies[name] = try parser.block()
      } catch {
        unreadable[name] = "\(error.location): \(error.reason)"
      }
    }
    self.bodies = bodies
    self.unreadable = unreadable
  }
}
