/// The built-in emulator's A, Zacas and Zabha instructions.
extension Hart {
  mutating func atomic(_ word: UInt32, rd: Int, rs1: Int, rs2: Int, funct3: UInt32, illegal: Trap) throws {
    let funct5 = word >> 27
    let rv64 = xlen == 64
    switch funct5 {
    case 0b00101:
      try compareAndSwap(word, rd: rd, rs1: rs1, rs2: rs2, funct3: funct3, illegal: illegal)
    case 0b00110, 0b00111:
      // Zalasr: a load that must carry aq, a store that must carry rl; naturally aligned.
      let aq = word >> 26 & 1 == 1
      let rl = word >> 25 & 1 == 1
      guard has("zalasr"), funct3 <= 2 || (funct3 == 3 && rv64) else { throw illegal }
      let count = 1 << Int(funct3)
      let address = x[rs1]
      if funct5 == 0b00110 {
        guard aq, rs2 == 0 else { throw illegal }
        try checkAtomic(address, count, load: true)
        write(rd, registerValue(readBytes(address, count), bits: count * 8))
      } else {
        guard rl, rd == 0 else { throw illegal }
        try checkAtomic(address, count)
        writeBytes(address, x[rs2], count)
      }
    case 0b00010, 0b00011:
      guard has("zalrsc"), funct3 == 2 || (funct3 == 3 && rv64) else { throw illegal }
      let count = funct3 == 2 ? 4 : 8
      let address = x[rs1]
      if funct5 == 0b00010 {
        guard rs2 == 0 else { throw illegal }
        try checkAtomic(address, count, load: true)
        write(rd, registerValue(readBytes(address, count), bits: count * 8))
        reservation = address
      } else {
        try checkAtomic(address, count)
        let succeeded = reservation == address
        if succeeded { writeBytes(address, x[rs2], count) }
        write(rd, succeeded ? 0 : 1)
        reservation = nil
      }
    default:
      // Zaamo's words and doublewords; Zabha's bytes and halfwords.
      guard has("zaamo"), funct3 == 2 || (funct3 == 3 && rv64) || (funct3 <= 1 && has("zabha")) else { throw illegal }
      let count = 1 << Int(funct3)
      let bits = count * 8
      let narrow = count <= 2
      let address = x[rs1]
      let operation: (UInt64, UInt64) -> UInt64
      let shift = UInt64(64 - bits)
      let signed = { (v: UInt64) in Int64(bitPattern: v << shift) >> Int64(shift) }
      let unsigned = { (v: UInt64) in (v << shift) >> shift }
      // The min/max bug compares the loaded value, extended, with the whole rs2 register.
      let wholeRegister = mutant == .narrowAMOMinMaxWholeRegister && narrow
      let registerShift = UInt64(64 - xlen)
      let wholeSigned = { (v: UInt64) in Int64(bitPattern: v << registerShift) >> Int64(registerShift) }
      let right: (UInt64) -> Int64 = wholeRegister ? wholeSigned : signed
      let rightU: (UInt64) -> UInt64 = wholeRegister ? { $0 } : unsigned
      switch funct5 {
      case 0b00001: operation = { _, b in b }
      case 0b00000: operation = { a, b in a &+ b }
      case 0b00100: operation = { a, b in a ^ b }
      case 0b01100: operation = { a, b in a & b }
      case 0b01000: operation = { a, b in a | b }
      case 0b10000: operation = { a, b in signed(a) < right(b) ? a : b }
      case 0b10100: operation = { a, b in signed(a) > right(b) ? a : b }
      case 0b11000: operation = { a, b in unsigned(a) < rightU(b) ? a : b }
      case 0b11100: operation = { a, b in unsigned(a) > rightU(b) ? a : b }
      default: throw illegal
      }
      let skipsUnchanged = mutant == .narrowAMOSkipsUnchangedStore && narrow
      // With the skipped-store bug only a changing store asks for write permission; alignment is
      // checked as ever.
      if skipsUnchanged {
        if address % UInt64(count) == 0 {
          if !permitted(address, count, write: false) { throw Trap(cause: 7, tval: address) }
        } else {
          try checkAtomic(address, count)
        }
      } else {
        try checkAtomic(address, count)
      }
      let loaded = readBytes(address, count)
      let operand = wholeRegister ? x[rs2] : truncated(x[rs2], bits: bits)
      let result = truncated(operation(loaded, operand), bits: bits)
      if skipsUnchanged && result == loaded {
        // Nothing stored, so nothing checked.
      } else {
        if skipsUnchanged && !permitted(address, count, write: true) { throw Trap(cause: 7, tval: address) }
        writeBytes(address, result, count)
        if mutant == .narrowAMOWritesNeighbour && narrow {
          writeBytes(address &+ UInt64(count), result, 1)
        }
      }
      let extended = mutant == .narrowAMOZeroExtends && narrow ? loaded : registerValue(loaded, bits: bits)
      write(rd, extended)
    }
  }

  /// amocas.b/h/w/d/q.
  mutating func compareAndSwap(_ word: UInt32, rd: Int, rs1: Int, rs2: Int, funct3: UInt32, illegal: Trap) throws {
    guard has("zacas"), funct3 <= 4 else { throw illegal }
    if funct3 <= 1 && !has("zabha") { throw illegal }
    if funct3 == 4 && xlen != 64 { throw illegal }
    if mutant == .aqrlIllegal && word >> 25 & 3 == 3 { throw illegal }
    let count = 1 << Int(funct3)
    let bits = count * 8
    let pairs = bits == 2 * xlen
    if pairs && (rd % 2 == 1 || rs2 % 2 == 1) && mutant != .oddPairAccepted { throw illegal }

    let address = x[rs1]
    if mutant == .permissionBeforeAlignment && !permitted(address, count, write: true) {
      throw Trap(cause: 7, tval: address)
    }
    let alignment = UInt64(mutant == .quadAlignedAt8 && count == 16 ? 8 : count)
    if address % alignment != 0 && mutant != .misalignedExecutes {
      let accessFault = has("zicclsm") || mutant == .misalignedAccessFault
      throw Trap(cause: accessFault ? 7 : 6, tval: address)
    }
    var faultOnlyOnSuccess = false
    if !permitted(address, count, write: true) {
      if mutant == .readOnlyFailureNoFault && permitted(address, count, write: false) {
        faultOnlyOnSuccess = true
      } else {
        throw Trap(cause: 7, tval: address)
      }
    }

    let compare: UInt128
    let swap: UInt128
    if pairs {
      compare = pairValue(rd, isSwap: false)
      swap = pairValue(rs2, isSwap: true)
    } else if (mutant == .wordComparesAllBits && count == 4 && xlen == 64)
      || (mutant == .narrowComparesAllBits && count <= 2)
    {
      compare = UInt128(x[rd])
      swap = UInt128(truncated(x[rs2], bits: bits))
    } else {
      compare = UInt128(truncated(x[rd], bits: bits))
      swap = UInt128(truncated(x[rs2], bits: bits))
    }
    let low = readBytes(address, min(count, 8))
    let high = count == 16 ? readBytes(address &+ 8, 8) : 0
    let loaded = UInt128(high) << 64 | UInt128(low)
    var comparedLoaded = loaded
    var comparedValue = compare
    if mutant == .wordComparesAllBits && count == 4 && xlen == 64 {
      comparedLoaded = UInt128(signExtend(low, bits: 32))
    }
    if mutant == .narrowComparesAllBits && count <= 2 {
      comparedLoaded = UInt128(signExtend(low, bits: bits) & (xlen == 64 ? .max : 0xFFFF_FFFF))
    }
    if mutant == .halfwordComparesLowByte && count == 2 {
      comparedLoaded &= 0xFF
      comparedValue &= 0xFF
    }
    if mutant == .pairComparesLowHalf && pairs {
      let lowHalf = UInt128(xlen == 64 ? UInt64.max : 0xFFFF_FFFF)
      comparedLoaded &= lowHalf
      comparedValue &= lowHalf
    }
    let succeeded = comparedLoaded == comparedValue
    if succeeded && faultOnlyOnSuccess { throw Trap(cause: 7, tval: address) }

    // Results go to rd before the store only in the address-re-read bug.
    if mutant == .addressRereadAfterRd {
      writeResult(rd, loaded: loaded, swap: swap, succeeded: succeeded, bits: bits, pairs: pairs)
    }
    let storeAddress = mutant == .addressRereadAfterRd ? x[rs1] : address
    if storeAddress != address && succeeded && !permitted(storeAddress, count, write: true) {
      throw Trap(cause: 7, tval: storeAddress)
    }
    if succeeded || mutant == .swapStoredOnFailure {
      writeBytes(storeAddress, UInt64(truncatingIfNeeded: swap), min(count, 8))
      if count == 16 { writeBytes(storeAddress &+ 8, UInt64(truncatingIfNeeded: swap >> 64), 8) }
    }
    if mutant != .addressRereadAfterRd {
      writeResult(rd, loaded: loaded, swap: swap, succeeded: succeeded, bits: bits, pairs: pairs)
    }
  }

  /// A register pair as one value: `first` is the low half; a pair at x0 reads zero.
  func pairValue(_ first: Int, isSwap: Bool) -> UInt128 {
    if first == 0 {
      if isSwap && mutant == .rs2PairX0ReadsX1 { return UInt128(x[1] & mask) << UInt128(xlen) }
      return 0
    }
    let low = UInt128(x[first] & mask)
    let high = UInt128(x[(first + 1) % 32] & mask)
    if mutant == .pairHalvesSwapped { return low << UInt128(xlen) | high }
    return high << UInt128(xlen) | low
  }

  mutating func writeResult(_ rd: Int, loaded: UInt128, swap: UInt128, succeeded: Bool, bits: Int, pairs: Bool) {
    if pairs {
      let low = UInt64(truncatingIfNeeded: loaded) & mask
      let high = UInt64(truncatingIfNeeded: loaded >> UInt128(xlen)) & mask
      if rd == 0 {
        if mutant == .x0PairWritesX1 { write(1, high) }
        if mutant == .casX0ClobbersZero { clobberedZero = high }
        return
      }
      let swapped = mutant == .pairHalvesSwapped
      write(rd, swapped ? high : low)
      write((rd + 1) % 32, swapped ? low : high)
      return
    }
    var value = UInt64(truncatingIfNeeded: loaded)
    if mutant == .rdReceivesNewValue && succeeded { value = UInt64(truncatingIfNeeded: swap) }
    let skipSignExtension =
      (mutant == .wordNotSignExtended && bits == 32) || (mutant == .narrowNotSignExtended && bits < 32)
    let result = skipSignExtension ? truncated(value, bits: bits) : registerValue(value, bits: bits)
    if rd == 0 && mutant == .casX0ClobbersZero { clobberedZero = result }
    write(rd, result)
  }
}
