import Testing

@testable import SpecModel

/// A tiny deterministic generator for test inputs.
struct TestRandom {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Evaluates closed terms through a model of the empty assertion set.
func evaluate(_ term: BitVec) throws -> UInt128 {
  if let value = term.concrete { return value }
  guard let context = term.context else { return 0 }
  let solver = Solver(context: context)
  guard case .sat(let model) = try solver.check(), let value = model.value(term) else {
    Issue.record("closed term did not evaluate")
    return 0
  }
  return value
}

func evaluate(_ formula: Formula) throws -> Bool {
  if let value = formula.concrete { return value }
  guard let context = formula.context else { return false }
  let solver = Solver(context: context)
  guard case .sat(let model) = try solver.check(), let value = model.value(formula) else {
    Issue.record("closed formula did not evaluate")
    return false
  }
  return value
}

@Suite struct Z3WrapperTests {
  @Test func arithmeticMatchesSwiftOnRandomInputs() throws {
    let z3 = Z3Context()
    var random = TestRandom(state: 7)
    for _ in 0..<40 {
      let a = random.next()
      let b = random.next()
      let x = z3.bv(a, width: 64)
      let y = z3.bv(b, width: 64)
      #expect(try evaluate(x + y) == UInt128(a &+ b))
      #expect(try evaluate(x - y) == UInt128(a &- b))
      #expect(try evaluate(x * y) == UInt128(a &* b))
      #expect(try evaluate(x & y) == UInt128(a & b))
      #expect(try evaluate(x | y) == UInt128(a | b))
      #expect(try evaluate(x ^ y) == UInt128(a ^ b))
      #expect(try evaluate(~x) == UInt128(~a))
      #expect(try evaluate(-x) == UInt128(0 &- a))
      let shift = b & 63
      let amount = z3.bv(shift, width: 64)
      #expect(try evaluate(x.shl(amount)) == UInt128(a << shift))
      #expect(try evaluate(x.lshr(amount)) == UInt128(a >> shift))
      #expect(try evaluate(x.ashr(amount)) == UInt128(UInt64(bitPattern: Int64(bitPattern: a) >> shift)))
      if b != 0 {
        #expect(try evaluate(x.udiv(y)) == UInt128(a / b))
        #expect(try evaluate(x.urem(y)) == UInt128(a % b))
      }
      #expect(try evaluate(x.ult(y)) == (a < b))
      #expect(try evaluate(x.slt(y)) == (Int64(bitPattern: a) < Int64(bitPattern: b)))
      #expect(try evaluate(x.uge(y)) == (a >= b))
      #expect(try evaluate(x.sge(y)) == (Int64(bitPattern: a) >= Int64(bitPattern: b)))
      #expect(try evaluate(x == y) == (a == b))
      #expect(try evaluate(x == x))
    }
  }

  @Test func extractConcatAndExtensionsMatchSwift() throws {
    let z3 = Z3Context()
    var random = TestRandom(state: 11)
    for _ in 0..<40 {
      let a = random.next()
      let b = random.next()
      let x = z3.bv(a, width: 64)
      let y = z3.bv(b, width: 64)
      // The hazard this guards against: concat returning one operand twice.
      #expect(try evaluate(x.concat(y)) == (UInt128(a) << 64 | UInt128(b)))
      #expect(try evaluate(x.extract(15, 8)) == UInt128((a >> 8) & 0xff))
      let word = x.truncate(to: 32)
      #expect(try evaluate(word.signExtend(to: 64)) == UInt128(UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: a)))))
      #expect(try evaluate(word.zeroExtend(to: 64)) == UInt128(a & 0xffff_ffff))
      #expect(try evaluate((x.ult(y)).ite(x, y)) == UInt128(min(a, b)))
    }
    let ab = z3.bv(0xab, width: 8).concat(z3.bv(0xcd, width: 8))
    #expect(try evaluate(ab) == 0xabcd)
  }

  @Test func wideNumeralsRoundTrip() throws {
    let z3 = Z3Context()
    let value: UInt128 = (UInt128(0xdead_beef_0123_4567) << 64) | 0x89ab_cdef_fedc_ba98
    let term = z3.bv(wide: value, width: 128)
    #expect(try evaluate(term) == value)
    #expect(try evaluate(term.extract(127, 64)) == 0xdead_beef_0123_4567)
    #expect(try evaluate(z3.bv(signed: -1, width: 128)) == UInt128.max)
  }

  /// A comparison used as a value shows as a choice between two bit-vectors; any other
  /// if-then-else does not.
  @Test func aComparisonValueShowsAsAChoice() throws {
    let z3 = Z3Context()
    let (a, b) = (z3.bvVariable("a", width: 32), z3.bvVariable("b", width: 32))
    let one = z3.bv(1, width: 8)
    let zero = z3.bv(0, width: 8)
    guard case .choice(let left, let right, let ifEqual, let otherwise) = (a == b).ite(zero, one).shape else {
      Issue.record("no choice: \((a == b).ite(zero, one).shape)")
      return
    }
    #expect(Set([left.description, right.description]) == ["a", "b"])
    #expect(ifEqual.simplified.numeral == 0 && otherwise.simplified.numeral == 1)
    guard case .other = a.ult(b).ite(zero, one).shape else {
      Issue.record("a choice on an ordering: \(a.ult(b).ite(zero, one).shape)")
      return
    }
  }

  @Test func memoryIsLittleEndian() throws {
    let z3 = Z3Context()
    let memory = ByteMemory.constant(0, addressWidth: 64, in: z3)
    let address = z3.bv(0x1000, width: 64)
    let written = memory.store(address, z3.bv(0x1122_3344, width: 32))
    #expect(try evaluate(written.loadByte(address)) == 0x44)
    #expect(try evaluate(written.loadByte(z3.bv(0x1003, width: 64))) == 0x11)
    #expect(try evaluate(written.load(address, bytes: 4)) == 0x1122_3344)
    #expect(try evaluate(written.load(z3.bv(0x1002, width: 64), bytes: 4)) == 0x1122)
  }

  @Test func unsatCoreNamesTheTrackedAssertions() throws {
    let z3 = Z3Context()
    let solver = Solver(context: z3)
    let x = z3.bvVariable("x", width: 8)
    solver.assert(x == z3.bv(1, width: 8), named: "x-is-one")
    solver.assert(x.ugt(z3.bv(5, width: 8)), named: "x-above-five")
    solver.assert(x != z3.bv(9, width: 8), named: "x-not-nine")
    guard case .unsat(let core) = try solver.check() else {
      Issue.record("expected unsat")
      return
    }
    #expect(Set(core) == ["x-is-one", "x-above-five"])
  }

  @Test func pushAndPopRestoreTheAssertionSet() throws {
    let z3 = Z3Context()
    let solver = Solver(context: z3)
    let x = z3.bvVariable("x", width: 8)
    solver.assert(x == z3.bv(1, width: 8), named: "one")
    solver.push()
    solver.assert(x == z3.bv(2, width: 8), named: "two")
    #expect(try solver.check().isUnsat)
    solver.pop()
    guard case .sat(let model) = try solver.check() else {
      Issue.record("expected sat")
      return
    }
    #expect(model.value64(x) == 1)
  }

  @Test func z3ErrorsBecomeSwiftErrors() throws {
    let z3 = Z3Context()
    // A malformed SMT-LIB text makes Z3 report an error; it must surface as a thrown error.
    let formula = z3.parse(smtlib: "(assert (= x")
    let solver = Solver(context: z3)
    solver.assert(formula)
    #expect(throws: Z3Error.self) { try solver.check() }
  }

  @Test func timeoutIsReportedAsUnknown() throws {
    let z3 = Z3Context()
    let solver = Solver(context: z3, timeoutMilliseconds: 1)
    // Factoring a 128-bit product is far beyond a millisecond.
    let p = z3.bvVariable("p", width: 128)
    let q = z3.bvVariable("q", width: 128)
    let n: UInt128 = 0x0f3a_9c4b_71d2_83e5_6a1b_4c9d_2e7f_8a35
    solver.assert(p * q == z3.bv(wide: n, width: 128))
    solver.assert(p.ugt(z3.bv(1, width: 128)))
    solver.assert(q.ugt(z3.bv(1, width: 128)))
    solver.assert(p.ult(z3.bv(wide: UInt128(1) << 64, width: 128)))
    solver.assert(q.ult(z3.bv(wide: UInt128(1) << 64, width: 128)))
    let result = try solver.check()
    guard case .unknown(let reason) = result else {
      Issue.record("expected unknown, got \(result)")
      return
    }
    #expect(!reason.isEmpty)
  }
}
