/// The headers rvcheck writes in place of the kernel's own when it expands a tree's atomics: what
/// they define is what the prover assumes, so each says it in a line.
///
/// They come before the tree on the include path. The tree's `arch/riscv/include/asm` headers
/// (`cmpxchg.h`, `fence.h`, `barrier.h`, `atomic.h`) are read as they are; any other header they
/// include is taken as empty and listed in the report.
enum AtomicsStubs {
  static let headers: [String: String] = [
    // IS_ENABLED(CONFIG_X) asks whether the configuration sets X: the option expands to 1 if so.
    "linux/kconfig.h": guarded(
      "KCONFIG",
      """
      #define IS_ENABLED(option) __rvcheck_enabled(option)
      #define IS_BUILTIN(option) __rvcheck_enabled(option)
      """),
    // Build-time checks become calls the prover answers: a primitive BUILD_BUG() rejects does not exist.
    "linux/bug.h": guarded(
      "BUG",
      """
      #define BUILD_BUG() __rvcheck_build_bug()
      #define BUILD_BUG_ON(condition) __rvcheck_build_bug_on(condition)
      #define BUILD_BUG_ON_MSG(condition, message) __rvcheck_build_bug_on(condition)
      """),
    "linux/build_bug.h": "#include <linux/bug.h>\n",
    // The kernel's atomic types: a counter in a struct, as include/linux/types.h has them; and
    // `false`, `true` and `NULL`, as the linux/stddef.h it includes defines them.
    "linux/types.h": guarded(
      "TYPES",
      """
      typedef struct { int counter; } atomic_t;
      typedef struct { s64 counter; } atomic64_t;
      #define false 0
      #define true 1
      #define NULL ((void *)0)
      """),
    "linux/bits.h": guarded(
      "BITS",
      """
      #define BITS_PER_BYTE 8
      #define BITS_PER_LONG __riscv_xlen
      #define GENMASK(high, low) ((~0UL << (low)) & (~0UL >> (BITS_PER_LONG - 1 - (high))))
      #define BIT(n) (1UL << (n))
      """),
    "asm/bitsperlong.h": "#include <linux/bits.h>\n",
    // RV32's atomic64_t operations are the generic ones, a spinlock around C: not read. Each is
    // named as the generic header names it, so the generic layer finds them, and a call of one
    // is not provided on this path.
    "asm-generic/atomic64.h": guarded(
      "GENERIC_ATOMIC64",
      genericAtomic64.map { "#define arch_atomic64_\($0)(...) __rvcheck_generic_atomic64(__VA_ARGS__)" }
        .joined(separator: "\n")),
    // Plain accesses become calls the prover compiles to one load or store (what `READ_ONCE` and
    // `WRITE_ONCE` are on RISC-V); the tree's barrier.h says what surrounds them.
    "linux/compiler.h": guarded(
      "COMPILER",
      """
      #define likely(x) (x)
      #define unlikely(x) (x)
      #define __always_inline inline
      #define READ_ONCE(x) __rvcheck_read_once(&(x))
      #define WRITE_ONCE(x, v) __rvcheck_write_once(&(x), v)
      #define compiletime_assert_atomic_type(t) ((void)0)
      #define __native_word(t) (sizeof(t) == sizeof(char) || sizeof(t) == sizeof(short) || sizeof(t) == sizeof(int) || sizeof(t) == sizeof(long))
      #define barrier() ((void)0)
      """),
    "asm-generic/rwonce.h": "#include <linux/compiler.h>\n",
    "linux/compiler_types.h": "#include <linux/compiler.h>\n",
    "linux/stringify.h": guarded(
      "STRINGIFY",
      """
      #define __stringify_1(x...) #x
      #define __stringify(x...) __stringify_1(x)
      """),
    // Boot-time extension tests: the boot path under proof answers them.
    "asm/hwcap.h": guarded(
      "HWCAP",
      """
      #define RISCV_ISA_EXT_ZACAS ZACAS
      #define RISCV_ISA_EXT_ZABHA ZABHA
      #define RISCV_ISA_EXT_ZTSO ZTSO
      #define RISCV_ISA_EXT_ZALRSC ZALRSC
      #define RISCV_ISA_EXT_ZAAMO ZAAMO
      #define RISCV_ISA_EXT_ZALASR ZALASR
      #define RISCV_ISA_EXT_ZICBOP ZICBOP
      """),
    "asm/cpufeature-macros.h": guarded(
      "CPUFEATURE_MACROS",
      """
      #include <asm/hwcap.h>
      #define riscv_has_extension_unlikely(ext) __rvcheck_has(ext)
      #define riscv_has_extension_likely(ext) __rvcheck_has(ext)
      """),
    "asm/cpufeature.h": "#include <asm/cpufeature-macros.h>\n",
    // An ALTERNATIVE in an asm template: the boot path patched in the new code or kept the old.
    "asm/alternative-macros.h": guarded(
      "ALTERNATIVE_MACROS",
      """
      #include <asm/hwcap.h>
      #define __rvcheck_alternative(id, old, new) __rvcheck_alt_##id(old, new)
      #define ALTERNATIVE(old, new, vendor, id, config) __rvcheck_alternative(id, old, new)
      """),
    "asm/alternative.h": "#include <asm/alternative-macros.h>\n",
    // Headers of the tree the primitives do not need, and which pull in much of the kernel.
    "asm/errata_list.h": "",
    "asm/insn-def.h": "",
    "asm/vendorid_list.h": "",
    // A prefetch hint changes no value and orders nothing: it expands to no instruction.
    "asm/processor.h": guarded(
      "PROCESSOR",
      """
      #define PREFETCHW_ASM(x) ""
      #define PREFETCH_ASM(x) ""
      """),
  ]

  /// The operations the kernel's generic 64-bit atomics define.
  static let genericAtomic64 = [
    "read", "set", "set_release", "add", "add_return", "fetch_add", "sub", "sub_return", "fetch_sub", "and",
    "fetch_and", "or", "fetch_or", "xor", "fetch_xor", "dec_if_positive", "cmpxchg", "xchg", "fetch_add_unless",
  ]

  /// What `__rvcheck_alt_<ID>` picks on a boot path with `extensions`.
  static func alternatives(_ extensions: Set<String>) -> String {
    ["ZACAS", "ZABHA", "ZTSO", "ZALRSC", "ZAAMO", "ZALASR", "ZICBOP"].map { id in
      "#define __rvcheck_alt_\(id)(old, new) " + (extensions.contains(id) ? "new" : "old")
    }.joined(separator: "\n") + "\n"
  }

  private static func guarded(_ name: String, _ body: String) -> String {
    "#ifndef RVCHECK_STUB_\(name)\n#define RVCHECK_STUB_\(name)\n\(body)\n#endif\n"
  }
}
