import Foundation
import Testing

@testable import SpecModel

/// The real preprocessor over a small tree in the kernel's shape, then the asm it leaves, bound and
/// assembled.
@Suite struct KernelPreprocessorTests {
  /// A temporary tree holding `files` (path to text); removed by the caller.
  func tree(_ files: [String: String]) throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("rvcheck-tree-\(UUID().uuidString)")
    for (path, text) in files {
      let url = root.appendingPathComponent(path)
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(text.utf8).write(to: url)
    }
    return root
  }

  static let fence = """
    #ifndef FIXTURE_FENCE_H
    #define FIXTURE_FENCE_H
    #define RISCV_ACQUIRE_BARRIER "\\tfence r , rw\\n"
    #endif
    """

  static let cmpxchg = """
    #ifndef FIXTURE_CMPXCHG_H
    #define FIXTURE_CMPXCHG_H
    #include <linux/bug.h>
    #include <linux/compiler_types.h>
    #include <asm/fence.h>

    #define fixture_xchg(sfx, append, r, p, n)        \\
    ({                                                \\
      __asm__ __volatile__ (                          \\
        "\\tamoswap" sfx " %0, %2, %1\\n"             \\
        append                                        \\
        : "=r" (r), "+A" (*(p))                       \\
        : "r" (n)                                     \\
        : "memory");                                  \\
    })

    #define fixture_xchg_acquire(r, p, n) fixture_xchg(".w", RISCV_ACQUIRE_BARRIER, r, p, n)
    #endif
    """

  static let unit = """
    #include <asm/cmpxchg.h>
    int acquire(int *p, int n) { int r; fixture_xchg_acquire(r, p, n); return r; }
    """

  @Test func expandsTheTreeAndReadsItsAssembly() throws {
    let root = try tree([
      "arch/riscv/include/asm/cmpxchg.h": Self.cmpxchg, "arch/riscv/include/asm/fence.h": Self.fence,
    ])
    defer { try? FileManager.default.removeItem(at: root) }
    let expansion = try KernelPreprocessor().expand(
      Self.unit, includes: [root.appendingPathComponent("arch/riscv/include").path],
      stubs: ["linux/bug.h": "#define BUILD_BUG() do { } while (0)\n"], defines: ["__riscv_xlen": "64"])
    // The stub given is used; the header nobody wrote is taken as empty, and said so.
    #expect(expansion.emptyStubs == ["linux/compiler_types.h"])
    let statements = try InlineAssembly.all(in: expansion.text, file: "unit")
    #expect(statements.count == 1)
    let asm = try #require(statements.first)
    #expect(asm.template == "\tamoswap.w %0, %2, %1\n\tfence r , rw\n")
    let bound = try asm.bind(try asm.placements()[0], xlen: 64)
    #expect(bound.program.map(\.assembly) == ["amoswap.w a0, a2, (a1)", "fence r, rw"])
  }

  @Test func preprocessorErrorsNameTheHeaderLine() throws {
    let broken = Self.cmpxchg.replacingOccurrences(of: "#endif", with: "")
    let root = try tree(["arch/riscv/include/asm/cmpxchg.h": broken, "arch/riscv/include/asm/fence.h": Self.fence])
    defer { try? FileManager.default.removeItem(at: root) }
    do {
      _ = try KernelPreprocessor().expand(
        Self.unit, includes: [root.appendingPathComponent("arch/riscv/include").path], stubs: [:], defines: [:])
      Issue.record("an unterminated #ifndef was accepted")
    } catch {
      #expect(error.message.contains("asm/cmpxchg.h:1"), "\(error.message)")
      #expect(error.message.contains("unterminated"), "\(error.message)")
    }
  }

  @Test func missingPreprocessorIsAClearError() {
    var preprocessor = KernelPreprocessor(executable: "/nonexistent/cpp")
    preprocessor.timeout = 5
    do {
      _ = try preprocessor.expand("int x;", includes: [], stubs: [:], defines: [:])
      Issue.record("ran without a preprocessor")
    } catch {
      #expect(error.message.contains("no C preprocessor at '/nonexistent/cpp'"))
    }
  }

  @Test func endlessIncludesAreCut() throws {
    // Each header includes the next, none exists: the reader stops after its bound.
    var preprocessor = KernelPreprocessor()
    preprocessor.maxEmptyStubs = 3
    let unit = (0..<10).map { "#include <gen/h\($0).h>" }.joined(separator: "\n")
    do {
      _ = try preprocessor.expand(unit, includes: [], stubs: [:], defines: [:])
      Issue.record("ten missing headers were all stubbed with a bound of three")
    } catch {
      #expect(error.message.contains("gen/h3.h"), "\(error.message)")
    }
  }
}
